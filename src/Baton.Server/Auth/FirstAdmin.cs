namespace Baton.Server.Auth;

/// <summary>
/// On a first start (no users yet), the user <c>admin</c> with a random password, written once
/// to <c>&lt;data&gt;/admin-password</c> (mode 600) and printed once by <c>baton server</c>, so
/// the web page can be signed into; change it with <c>baton user set admin --password-stdin</c>.
/// </summary>
internal static class FirstAdmin
{
    public const string Name = "admin";

    public static string PasswordFile(string dataDirectory) => Path.Combine(dataDirectory, "admin-password");

    /// <summary>Creates the admin user when there are no users; returns its password then, else null.</summary>
    public static string? Ensure(AccessStore store, string dataDirectory)
    {
        if (store.UserCount() > 0) return null;
        var password = PasswordHasher.Generate();
        if (!store.AddUser(Name, Role.Admin, PasswordHasher.Hash(password))) return null;
        Secrets.WritePrivate(PasswordFile(dataDirectory), password + "\n");
        return password;
    }
}
