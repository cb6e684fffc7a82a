namespace Baton.Registry.Auth;

/// <summary>A user name and password for one registry; <see cref="ToString"/> never shows the password.</summary>
public sealed record RegistryLogin(string Username, string Password)
{
    public override string ToString() => $"{Username} (password hidden)";
}
