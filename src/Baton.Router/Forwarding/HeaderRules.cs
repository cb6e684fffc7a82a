using System.Collections.Frozen;
using Microsoft.Extensions.Primitives;

namespace Baton.Router.Forwarding;

/// <summary>Which headers cross the proxy. Hop-by-hop headers belong to one connection and are dropped (RFC 9110 §7.6.1).</summary>
internal static class HeaderRules
{
    private static readonly FrozenSet<string> RequestDropped = FrozenSet.ToFrozenSet(
    [
        "Connection", "Keep-Alive", "Proxy-Connection", "Proxy-Authenticate", "Proxy-Authorization",
        "TE", "Trailer", "Transfer-Encoding", "Upgrade", "HTTP2-Settings", "Host",
        "X-Forwarded-For", "X-Forwarded-Proto", "X-Forwarded-Host",
        // Set by the router: the client's own when well-formed, else a new one (RequestId).
        "X-Request-ID",
        // The router relays WebSockets message by message; an extension such as permessage-deflate
        // would be negotiated end to end and change framing the relay must understand.
        "Sec-WebSocket-Extensions",
    ], StringComparer.OrdinalIgnoreCase);

    private static readonly FrozenSet<string> ResponseDropped = FrozenSet.ToFrozenSet(
    [
        "Connection", "Keep-Alive", "Proxy-Connection", "Proxy-Authenticate", "Transfer-Encoding", "Upgrade", "Trailer",
        "Sec-WebSocket-Extensions",
        // The client gets back the id the target was given and the request log wrote, not one the target made up.
        "X-Request-ID",
    ], StringComparer.OrdinalIgnoreCase);

    private static readonly FrozenSet<string> ContentHeaders = FrozenSet.ToFrozenSet(
    [
        "Allow", "Content-Disposition", "Content-Encoding", "Content-Language", "Content-Length",
        "Content-Location", "Content-MD5", "Content-Range", "Content-Type", "Expires", "Last-Modified",
    ], StringComparer.OrdinalIgnoreCase);

    public static bool DropFromRequest(string name) => RequestDropped.Contains(name);

    public static bool DropFromResponse(string name) => ResponseDropped.Contains(name);

    public static bool IsContentHeader(string name) => ContentHeaders.Contains(name);

    /// <summary>
    /// True when <paramref name="name"/> is one of the options of a <c>Connection</c> header: the sender
    /// made that header hop-by-hop, so it must not cross the proxy either (RFC 9110 §7.6.1). Every
    /// token of every <c>Connection</c> line counts (<c>Connection: keep-alive, X-Secret</c>).
    /// </summary>
    public static bool NamedByConnection(StringValues connection, string name)
    {
        foreach (var line in connection)
        {
            var options = line.AsSpan();
            foreach (var range in options.Split(','))
                if (options[range].Trim(" \t").Equals(name, StringComparison.OrdinalIgnoreCase)) return true;
        }
        return false;
    }
}
