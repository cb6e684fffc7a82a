using System.Net;

namespace Baton.Registry;

/// <summary>The sentences of registry failures, in one place, so the API, the CLI and the tests read the same words.</summary>
internal static class RegistryErrors
{
    public static RegistryError Status(RegistrySession session, HttpStatusCode status, string what) => status switch
    {
        HttpStatusCode.Unauthorized => session.Login is null ? NeedsLogin(session) : Refused(session),
        HttpStatusCode.Forbidden => new RegistryError(RegistryErrorKind.CredentialsRefused,
            $"The registry {session.Host} denied {(session.Login is { } l ? l.Username : "anonymous access")} access to {session.Repository ?? what}."),
        HttpStatusCode.NotFound when session.Repository is not null => new RegistryError(RegistryErrorKind.RepositoryUnknown,
            $"The registry {session.Host} does not know the repository {session.Repository}; push an image to it, or check the service's image."),
        _ => BadAnswer(session, $"{(int)status} to {what}"),
    };

    public static RegistryError NeedsLogin(RegistrySession session) => new(RegistryErrorKind.NeedsLogin,
        $"The registry {session.Host} needs a login; store one with `baton registry login {session.Host} --username USER --password-stdin`.");

    public static RegistryError RealmNeedsLogin(RegistrySession session, Uri realm) => new(RegistryErrorKind.NeedsLogin,
        $"The registry {session.Host} sends logins to the token server {realm.Authority}, another host, which never gets the login stored for {session.Host}; if you trust it, store a login for it with `baton registry login {realm.Authority}`.");

    public static RegistryError Refused(RegistrySession session) => new(RegistryErrorKind.CredentialsRefused,
        $"The registry {session.Host} refused the stored login of {session.Login?.Username}; store the right one with `baton registry login {session.Host}`.");

    public static RegistryError BadAnswer(RegistrySession session, string what) => new(RegistryErrorKind.BadAnswer,
        $"The registry {session.Host} answered {what}; is it a Docker registry (Registry HTTP API v2)?");
}
