namespace Baton.Server.Auth;

/// <summary>
/// What a caller may do, each role including the ones below it: a viewer reads, a deployer also
/// changes what runs, an admin also manages people, tokens and services themselves.
/// </summary>
public enum Role
{
    Viewer = 1,
    Deployer = 2,
    Admin = 3,
}

/// <summary>The roles' names on the wire (<c>viewer</c>, <c>deployer</c>, <c>admin</c>).</summary>
public static class Roles
{
    public static string Name(Role role) => role switch
    {
        Role.Viewer => "viewer",
        Role.Deployer => "deployer",
        Role.Admin => "admin",
        _ => throw new ArgumentOutOfRangeException(nameof(role)),
    };

    public static bool TryParse(string? text, out Role role)
    {
        role = default;
        switch (text?.Trim().ToLowerInvariant())
        {
            case "viewer": role = Role.Viewer; return true;
            case "deployer": role = Role.Deployer; return true;
            case "admin": role = Role.Admin; return true;
            default: return false;
        }
    }

    public const string Expected = "Roles are viewer, deployer and admin.";
}
