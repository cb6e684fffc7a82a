using System.Net;
using System.Text;

namespace Baton.Router.Forwarding;

/// <summary>
/// The one <see cref="HttpMessageInvoker"/> every forwarded request goes through: pooled,
/// kept-alive connections to every target, and nothing that would change a request on its way
/// (no proxy, redirects, decompression, cookies or tracing headers).
/// </summary>
internal static class ForwarderClient
{
    /// <summary>
    /// Header values are carried as Latin-1 both ways, matching the public listener's Kestrel
    /// selectors: Latin-1 maps each byte to one char and back, so a value holding UTF-8 (or any
    /// other bytes Kestrel let through) reaches the target byte for byte, instead of the
    /// handler's ASCII-only default refusing it.
    /// </summary>
    public static readonly Encoding HeaderEncoding = Encoding.Latin1;

    public static HttpMessageInvoker Create(TimeSpan connectTimeout) => new(new HeadWithBodyHandler(new SocketsHttpHandler
    {
        UseProxy = false,
        AllowAutoRedirect = false,
        AutomaticDecompression = DecompressionMethods.None,
        UseCookies = false,
        ActivityHeadersPropagator = null,
        ConnectTimeout = connectTimeout,
        PooledConnectionIdleTimeout = TimeSpan.FromSeconds(50),
        PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
        MaxResponseHeadersLength = 64,
        EnableMultipleHttp2Connections = true,
        RequestHeaderEncodingSelector = static (_, _) => HeaderEncoding,
        ResponseHeaderEncodingSelector = static (_, _) => HeaderEncoding,
    }), disposeHandler: true);
}
