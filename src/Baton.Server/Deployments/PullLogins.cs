using Baton.Docker;
using Baton.Registry;
using Baton.Registry.Credentials;

namespace Baton.Server.Deployments;

/// <summary>Finds the stored login of an image's registry, in the form the Docker engine's pull takes.</summary>
internal static class PullLogins
{
    public static RegistryCredentials? For(RegistryCredentialStore logins, string image) =>
        ImageName.TryParse(image, out var name, out _) && logins.Get(name.Host) is { } login
            ? new RegistryCredentials(login.Username, login.Password, name.Host)
            : null;
}
