using System.Buffers;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Baton.Router.Forwarding;

/// <summary>
/// The path and query a request is forwarded with: the client's own bytes where they are
/// unambiguous, so <c>/a/%2F..%2fb</c> reaches the target as sent (no decoding, no
/// re-encoding to <c>%252F</c>), and percent-encoded byte for byte where they are not. HTTP/2's
/// <c>:path</c> can carry what an HTTP/1.1 request line cannot: non-ASCII bytes, controls,
/// space, tab, DEL and <c>#</c>; written raw they would split, end or corrupt the request line.
/// Kestrel decodes <c>:path</c> as Latin-1 (<see cref="RequestHeaderDecoding.Select"/>), one
/// character per byte the client sent, so <c>/ä</c> sent as UTF-8 becomes <c>/%C3%A4</c>.
/// </summary>
internal static class RequestTarget
{
    /// <summary>Characters forwarded as they are: visible ASCII except <c>#</c>, which would start a fragment.</summary>
    private static readonly SearchValues<char> Plain = SearchValues.Create(
        "!\"$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~");

    /// <returns>
    /// The origin-form target (<c>/path?query</c>), or null for an asterisk-form target
    /// (<c>OPTIONS *</c>), which names no resource of a target and is not forwarded.
    /// </returns>
    public static string? For(HttpContext context)
    {
        var raw = context.Features.Get<IHttpRequestFeature>()?.RawTarget;
        string target;
        if (raw is { Length: > 0 } && raw[0] == '/') target = raw;
        else if (raw == "*") return null;
        // Absolute-form (http://host/path): Kestrel checked the authority against Host; the path is what it parsed.
        else target = (context.Request.PathBase + context.Request.Path).ToUriComponent() + context.Request.QueryString.ToUriComponent();
        if (target.Length == 0) target = "/";
        int bad = target.AsSpan().IndexOfAnyExcept(Plain);
        return bad < 0 ? target : Encode(target, bad);
    }

    private static string Encode(string target, int first)
    {
        var sb = new StringBuilder(target.Length + 32);
        sb.Append(target, 0, first);
        Span<byte> utf8 = stackalloc byte[4];
        for (int i = first; i < target.Length; i++)
        {
            char c = target[i];
            if (Plain.Contains(c))
                sb.Append(c);
            else if (c <= 0xFF)
                AppendEscaped(sb, (byte)c);
            else
            {
                // Not one byte: no decoding Baton selects makes these, but they are still written once, as UTF-8
                // (a lone surrogate as U+FFFD).
                var rune = Rune.TryGetRuneAt(target, i, out var r) ? r : Rune.ReplacementChar;
                if (rune.Utf16SequenceLength == 2) i++;
                int n = rune.EncodeToUtf8(utf8);
                for (int k = 0; k < n; k++) AppendEscaped(sb, utf8[k]);
            }
        }
        return sb.ToString();
    }

    private static void AppendEscaped(StringBuilder sb, byte b) => sb.Append('%').Append(HexUpper(b >> 4)).Append(HexUpper(b & 0xF));

    private static char HexUpper(int nibble) => (char)(nibble < 10 ? '0' + nibble : 'A' + nibble - 10);
}
