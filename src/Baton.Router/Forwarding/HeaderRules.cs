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
    public static bool NamedByConnection(StringValues connection, string name) => ConnectionOptions.Of(connection).Names(name);
}

/// <summary>
/// The options of one message's <c>Connection</c> header, read once for all of its headers. The usual
/// header has one option (<c>keep-alive</c>, <c>close</c>): then naming a header is one comparison.
/// </summary>
internal readonly struct ConnectionOptions
{
    /// <summary>The one option, when the header has exactly one.</summary>
    private readonly string? _only;

    /// <summary>Every option, when it has more than one.</summary>
    private readonly List<string>? _many;

    private ConnectionOptions(string? only, List<string>? many)
    {
        _only = only;
        _many = many;
    }

    public static ConnectionOptions Of(StringValues lines)
    {
        string? only = null;
        List<string>? many = null;
        foreach (var line in lines) Add(line, ref only, ref many);
        return new ConnectionOptions(only, many);
    }

    public static ConnectionOptions Of(System.Net.Http.Headers.HeaderStringValues lines)
    {
        string? only = null;
        List<string>? many = null;
        foreach (var line in lines) Add(line, ref only, ref many);
        return new ConnectionOptions(only, many);
    }

    private static void Add(string? line, ref string? only, ref List<string>? many)
    {
        if (string.IsNullOrEmpty(line)) return;
        var span = line.AsSpan();
        foreach (var range in span.Split(','))
        {
            var option = span[range].Trim(" \t");
            if (option.IsEmpty) continue;
            // A line that is one option, untrimmed, is kept as it is: no copy.
            var text = option.Length == line.Length ? line : option.ToString();
            if (only is null && many is null) only = text;
            else
            {
                many ??= [only!];
                many.Add(text);
            }
        }
    }

    /// <summary>True when <paramref name="name"/> is one of the options, ignoring case.</summary>
    public bool Names(string name)
    {
        if (_many is null) return _only is not null && name.Equals(_only, StringComparison.OrdinalIgnoreCase);
        foreach (var option in _many)
            if (name.Equals(option, StringComparison.OrdinalIgnoreCase)) return true;
        return false;
    }
}
