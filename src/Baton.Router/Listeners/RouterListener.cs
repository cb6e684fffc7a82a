using System.Net;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Baton.Router.Listeners;

/// <summary>
/// One listening address of the router and everything that depends on its kind: the protocols it
/// speaks, its certificate, and for the staging listener who may use it. The host only binds the
/// address and calls <see cref="Configure"/>, so the same list serves however the socket is opened.
/// </summary>
public sealed class RouterListener
{
    private readonly ListenerFeature _allowed;
    private readonly ListenerFeature _refused;

    private RouterListener(ListenerKind kind, IPEndPoint endPoint, string address, X509Certificate2? certificate, StagingAllowlist? allow)
    {
        Kind = kind;
        EndPoint = endPoint;
        Address = address;
        Certificate = certificate;
        Allow = allow;
        _allowed = new ListenerFeature(kind, clientAllowed: true);
        _refused = new ListenerFeature(kind, clientAllowed: false);
    }

    /// <summary>The word <c>--listen-staging</c> takes to run no staging listener.</summary>
    public const string None = "none";

    /// <value>The default staging listener is <c>127.0.0.1:8081</c>.</value>
    public const string DefaultStagingAddress = "127.0.0.1:8081";

    public ListenerKind Kind { get; }
    public IPEndPoint EndPoint { get; }

    /// <summary>The address as the user wrote it, for messages.</summary>
    public string Address { get; }

    public X509Certificate2? Certificate { get; }

    /// <summary>
    /// On the TLS listener with automatic HTTPS: the certificate for the name the client asked for
    /// (SNI), or null for none; then <see cref="Certificate"/> (<c>--tls-cert</c>) serves, if given.
    /// </summary>
    public Func<string?, SslStreamCertificateContext?>? SelectCertificate { get; private init; }

    /// <summary>Who the staging listener serves; null on the public listeners, which serve everyone.</summary>
    public StagingAllowlist? Allow { get; }

    /// <summary>How messages name it: <c>public</c>, <c>h2c</c>, <c>tls</c> or <c>staging</c>.</summary>
    public string Name => Kind.ToString().ToLowerInvariant();

    public static RouterListener Public(IPEndPoint endPoint, string address) => new(ListenerKind.Public, endPoint, address, null, null);

    public static RouterListener H2c(IPEndPoint endPoint, string address) => new(ListenerKind.H2c, endPoint, address, null, null);

    public static RouterListener Tls(IPEndPoint endPoint, string address, X509Certificate2 certificate) => new(ListenerKind.Tls, endPoint, address, certificate, null);

    /// <summary>
    /// The TLS listener with automatic HTTPS: each handshake gets the certificate <paramref name="select"/>
    /// gives for its SNI name, else <paramref name="fallback"/> (may be null: such a handshake fails).
    /// </summary>
    public static RouterListener Tls(IPEndPoint endPoint, string address, X509Certificate2? fallback, Func<string?, SslStreamCertificateContext?> select) =>
        new(ListenerKind.Tls, endPoint, address, fallback, null) { SelectCertificate = select };

    /// <summary>
    /// The staging listener. Without <paramref name="allow"/> it serves loopback clients only, so it
    /// must bind a loopback address: a wider address with no allowlist is refused rather than
    /// guessed at, since either guess (everyone, or nobody) would surprise.
    /// </summary>
    /// <returns>Null with one sentence in <paramref name="error"/> when the pair cannot be honoured.</returns>
    public static RouterListener? Staging(IPEndPoint endPoint, string address, string? allow, out string error)
    {
        error = "";
        StagingAllowlist list;
        if (allow is null)
        {
            if (!IPAddress.IsLoopback(endPoint.Address))
            {
                error = $"The staging listener {address} is not on a loopback address: give --staging-allow CIDR[,CIDR...] to say which clients may use it, or bind it to 127.0.0.1.";
                return null;
            }
            list = StagingAllowlist.Loopback;
        }
        else if (StagingAllowlist.TryParse(allow, out error) is { } parsed) list = parsed;
        else return null;
        return new RouterListener(ListenerKind.Staging, endPoint, address, null, list);
    }

    /// <summary>Sets the protocols, TLS, and the per-connection tag the request path reads.</summary>
    public void Configure(ListenOptions options)
    {
        // Cleartext HTTP/2 needs prior knowledge, which Kestrel only speaks on an HTTP/2-only endpoint.
        options.Protocols = Kind switch
        {
            ListenerKind.H2c => HttpProtocols.Http2,
            ListenerKind.Tls => HttpProtocols.Http1AndHttp2,
            _ => HttpProtocols.Http1,
        };
        if (SelectCertificate is { } select)
        {
            var fallback = Certificate is null ? null : SslStreamCertificateContext.Create(Certificate, additionalCertificates: null);
            // The callback form lets each handshake pick its certificate context (leaf and chain) by SNI.
            options.UseHttps(new Microsoft.AspNetCore.Server.Kestrel.Https.TlsHandshakeCallbackOptions
            {
                OnConnection = context =>
                {
                    var name = context.ClientHelloInfo.ServerName;
                    // No certificate for the name: the handshake fails as an authentication failure, which Kestrel logs at debug only.
                    var certificate = select(name) ?? fallback
                        ?? throw new System.Security.Authentication.AuthenticationException($"No certificate for '{name}' on the TLS listener.");
                    return ValueTask.FromResult(new SslServerAuthenticationOptions
                    {
                        ServerCertificateContext = certificate,
                        ApplicationProtocols = [SslApplicationProtocol.Http2, SslApplicationProtocol.Http11],
                    });
                },
            });
        }
        else if (Certificate is not null) options.UseHttps(Certificate);
        options.Use(next => connection =>
        {
            connection.Features.Set(Allows(connection) ? _allowed : _refused);
            return next(connection);
        });
    }

    private bool Allows(ConnectionContext connection) =>
        Allow is null || Allow.Allows((connection.RemoteEndPoint as IPEndPoint)?.Address);
}
