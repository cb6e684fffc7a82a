namespace Baton.Router.Routing;

/// <summary>
/// A service's HTTPS settings (baton.yml <c>tls</c>, <c>https_redirect</c>, <c>hsts</c>).
/// </summary>
/// <param name="Auto">Certificates for the service's exact hosts come from the ACME directory, served by SNI on the TLS listener.</param>
/// <param name="RedirectHttps">Requests on the plain-HTTP listeners get <c>308</c> to the same URL over HTTPS.</param>
/// <param name="Hsts">Answers on the TLS listener carry <c>Strict-Transport-Security</c>.</param>
public sealed record ServiceTls(bool Auto = false, bool RedirectHttps = false, bool Hsts = false)
{
    public static readonly ServiceTls Off = new();

    /// <summary>The header value HSTS sends: one year, the service's host only.</summary>
    public const string HstsValue = "max-age=31536000";
}
