using System.Buffers;
using System.Text;

namespace Baton.Router.Forwarding;

/// <summary>
/// How the public listener's Kestrel turns request header bytes into strings
/// (<see cref="Select"/> is its <c>RequestHeaderEncodingSelector</c>, called once per header with its name).
/// <list type="bullet">
/// <item>Ordinary values are Latin-1, byte for byte, so UTF-8 in a Cookie reaches the target as
/// sent (<see cref="ForwarderClient.HeaderEncoding"/> writes them back the same way); a value
/// holding a control character (anything below 0x20 but tab, and DEL) is refused: Kestrel answers
/// 400 on HTTP/1.1 and resets the stream on HTTP/2, before any target is chosen.</item>
/// <item>HTTP/2 and HTTP/3's <c>:path</c> is plain Latin-1 too: Kestrel turns each character back
/// into one byte before it decodes the path as UTF-8, so only one character per byte survives that
/// (UTF-8 characters would lose their high bytes, and an emoji's NUL resets the stream), and
/// <see cref="RequestTarget"/> percent-encodes each such byte. The other pseudo-headers keep
/// Kestrel's own decoding.</item>
/// <item><c>Connection</c> gets the same bytes with one guard: when the known options of all its
/// lines together are exactly one of <c>keep-alive</c>, <c>close</c> or <c>upgrade</c>, Kestrel swaps
/// the whole value for that option alone, and the other headers it names
/// (<c>Connection: keep-alive, X-Secret</c>) would be forwarded. So a line that names other headers
/// is given a second known option: <c>keep-alive</c> next to <c>close</c> or <c>upgrade</c> (which
/// changes nothing), else <c>close</c>. The names survive and are stripped; the price is that such a
/// client's connection is closed after the response.</item>
/// </list>
/// </summary>
public static class RequestHeaderDecoding
{
    private static readonly Encoding Value = new StrictLatin1(connection: false);
    private static readonly Encoding Connection = new StrictLatin1(connection: true);

    public static Encoding? Select(string name) =>
        name == ":path" ? Encoding.Latin1
        : name.Length > 0 && name[0] == ':' ? null
        : name.Equals("Connection", StringComparison.OrdinalIgnoreCase) ? Connection
        : Value;

    /// <summary>Control characters a header value may not hold (RFC 9110 §5.5 allows HTAB, SP and visible bytes).</summary>
    private static readonly SearchValues<byte> Controls = SearchValues.Create(
        [0, 1, 2, 3, 4, 5, 6, 7, 8, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 127]);

    [Flags]
    private enum Known { None = 0, KeepAlive = 1, Close = 2, Upgrade = 4 }

    /// <summary>
    /// The <c>Connection</c> value Kestrel keeps whole: unchanged unless it names other headers next
    /// to exactly one kind of known option.
    /// </summary>
    internal static string GuardConnection(string value)
    {
        var known = Known.None;
        bool others = false;
        var span = value.AsSpan();
        foreach (var range in span.Split(','))
        {
            var token = span[range].Trim(" \t");
            if (token.IsEmpty) continue;
            if (token.Equals("keep-alive", StringComparison.OrdinalIgnoreCase)) known |= Known.KeepAlive;
            else if (token.Equals("close", StringComparison.OrdinalIgnoreCase)) known |= Known.Close;
            else if (token.Equals("upgrade", StringComparison.OrdinalIgnoreCase)) known |= Known.Upgrade;
            else others = true;
        }
        if (!others) return value;
        // Kestrel looks at the flags of all Connection lines together, so every line that names other
        // headers carries two known options of its own: then no request's flags are ever exactly one.
        return known switch
        {
            Known.Close or Known.Upgrade => value + ", keep-alive", // close still wins; upgrade stays an upgrade
            Known.KeepAlive => value + ", close",
            Known.None => value + ", close, keep-alive",
            _ => value,
        };
    }

    /// <summary>Latin-1 decoding that throws on a control character (Kestrel turns that into a refused request).</summary>
    private sealed class StrictLatin1(bool connection) : Encoding
    {
        public override unsafe int GetCharCount(byte* bytes, int count) => CharCount(new ReadOnlySpan<byte>(bytes, count));

        public override unsafe int GetChars(byte* bytes, int byteCount, char* chars, int charCount) =>
            Chars(new ReadOnlySpan<byte>(bytes, byteCount), new Span<char>(chars, charCount));

        public override int GetCharCount(byte[] bytes, int index, int count) => CharCount(bytes.AsSpan(index, count));

        public override int GetChars(byte[] bytes, int byteIndex, int byteCount, char[] chars, int charIndex) =>
            Chars(bytes.AsSpan(byteIndex, byteCount), chars.AsSpan(charIndex));

        private int CharCount(ReadOnlySpan<byte> bytes)
        {
            Check(bytes);
            return connection ? GuardConnection(Latin1.GetString(bytes)).Length : bytes.Length;
        }

        private int Chars(ReadOnlySpan<byte> bytes, Span<char> chars)
        {
            Check(bytes);
            if (!connection) return Latin1.GetChars(bytes, chars);
            var text = GuardConnection(Latin1.GetString(bytes));
            text.CopyTo(chars);
            return text.Length;
        }

        private static void Check(ReadOnlySpan<byte> bytes)
        {
            int bad = bytes.IndexOfAny(Controls);
            if (bad >= 0)
                throw new DecoderFallbackException($"A request header value holds the control character 0x{bytes[bad]:X2}.", [bytes[bad]], bad);
        }

        public override int GetMaxCharCount(int byteCount) => connection ? byteCount + ", keep-alive".Length : byteCount;

        public override int GetByteCount(char[] chars, int index, int count) => Latin1.GetByteCount(chars, index, count);

        public override int GetBytes(char[] chars, int charIndex, int charCount, byte[] bytes, int byteIndex) => Latin1.GetBytes(chars, charIndex, charCount, bytes, byteIndex);

        public override int GetMaxByteCount(int charCount) => charCount;
    }
}
