namespace Baton.Router.Listeners;

/// <summary>What a router listener is for; the request path asks it of every connection.</summary>
public enum ListenerKind
{
    /// <summary>Plain HTTP/1.1 for the apps' traffic (<c>--listen</c>).</summary>
    Public,

    /// <summary>Cleartext HTTP/2 with prior knowledge (<c>--listen-h2c</c>); public like <see cref="Public"/>.</summary>
    H2c,

    /// <summary>HTTPS with HTTP/1.1 and HTTP/2 (<c>--listen-tls</c>); public like <see cref="Public"/>.</summary>
    Tls,

    /// <summary>
    /// The private listener (<c>--listen-staging</c>): the only one where staging hosts answer and
    /// the canary overrides are honoured, and only for clients its allowlist admits.
    /// </summary>
    Staging,
}
