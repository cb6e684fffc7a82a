using System.Buffers.Binary;
using System.Net.Security;
using System.Net.Sockets;
using System.Text;

namespace Baton.FunctionalTests.Infrastructure;

/// <summary>A response read by <see cref="H2Client"/>: status -1 when the server reset the stream or closed the connection.</summary>
public sealed record H2Response(int Status, string Body);

/// <summary>
/// A minimal HTTP/2 client written frame by frame, so a test controls the exact bytes of every
/// header: HPACK literals without Huffman coding or indexing, so <c>:path</c> can carry raw UTF-8,
/// spaces or control characters that no real client library would send. Cleartext (prior
/// knowledge) or TLS with ALPN h2. One request at a time.
/// </summary>
public sealed class H2Client : IAsyncDisposable
{
    private readonly TcpClient _tcp;
    private readonly Stream _stream;
    private int _nextStream = 1;

    private H2Client(TcpClient tcp, Stream stream)
    {
        _tcp = tcp;
        _stream = stream;
    }

    public static async Task<H2Client> ConnectAsync(Uri server)
    {
        var tcp = new TcpClient();
        await tcp.ConnectAsync(server.Host, server.Port);
        Stream stream = tcp.GetStream();
        if (server.Scheme == "https")
        {
            var ssl = new SslStream(stream, false, (_, _, _, _) => true);
            await ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
            {
                TargetHost = "localhost",
                ApplicationProtocols = [SslApplicationProtocol.Http2],
            });
            if (ssl.NegotiatedApplicationProtocol != SslApplicationProtocol.Http2) throw new IOException("The server did not agree to h2.");
            stream = ssl;
        }
        var client = new H2Client(tcp, stream);
        await stream.WriteAsync("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"u8.ToArray());
        await client.WriteFrameAsync(0x4, 0, 0, []); // SETTINGS, none changed
        return client;
    }

    /// <summary>Sends one request whose header fields (pseudo-headers first) are given as raw bytes, and reads its answer.</summary>
    public async Task<H2Response> SendAsync(IReadOnlyList<(byte[] Name, byte[] Value)> fields, byte[]? body = null)
    {
        int id = _nextStream;
        _nextStream += 2;
        var block = new MemoryStream();
        foreach (var (name, value) in fields)
        {
            block.WriteByte(0x00); // literal header field without indexing, new name
            WriteString(block, name);
            WriteString(block, value);
        }
        bool hasBody = body is { Length: > 0 };
        await WriteFrameAsync(0x1, (byte)(0x4 | (hasBody ? 0 : 0x1)), id, block.ToArray()); // HEADERS, END_HEADERS (+ END_STREAM)
        if (hasBody) await WriteFrameAsync(0x0, 0x1, id, body!); // DATA, END_STREAM
        return await ReadResponseAsync(id);
    }

    /// <summary>A GET with the given <c>:path</c> bytes and extra headers (name, value as UTF-8 text).</summary>
    public Task<H2Response> GetAsync(byte[] path, string authority, params (string Name, string Value)[] headers)
    {
        var fields = new List<(byte[], byte[])>
        {
            (":method"u8.ToArray(), "GET"u8.ToArray()),
            (":scheme"u8.ToArray(), _stream is SslStream ? "https"u8.ToArray() : "http"u8.ToArray()),
            (":authority"u8.ToArray(), Encoding.ASCII.GetBytes(authority)),
            (":path"u8.ToArray(), path),
        };
        fields.AddRange(headers.Select(h => (Encoding.ASCII.GetBytes(h.Name), Encoding.UTF8.GetBytes(h.Value))));
        return SendAsync(fields);
    }

    private async Task<H2Response> ReadResponseAsync(int id)
    {
        int status = -1;
        var body = new MemoryStream();
        var header = new byte[9];
        while (true)
        {
            try
            {
                await _stream.ReadExactlyAsync(header);
            }
            catch (EndOfStreamException)
            {
                return new H2Response(-1, "connection closed");
            }
            int length = (header[0] << 16) | (header[1] << 8) | header[2];
            byte type = header[3], flags = header[4];
            int stream = BinaryPrimitives.ReadInt32BigEndian(header.AsSpan(5)) & 0x7FFFFFFF;
            var payload = new byte[length];
            await _stream.ReadExactlyAsync(payload);
            switch (type)
            {
                case 0x4 when (flags & 0x1) == 0: // the server's SETTINGS: acknowledge
                    await WriteFrameAsync(0x4, 0x1, 0, []);
                    break;
                case 0x6 when (flags & 0x1) == 0: // PING
                    await WriteFrameAsync(0x6, 0x1, 0, payload);
                    break;
                case 0x7: // GOAWAY
                    return new H2Response(status, "goaway");
                case 0x3 when stream == id: // RST_STREAM
                    return new H2Response(-1, "reset");
                case 0x1 when stream == id:
                    if (status < 0) status = FirstStatus(payload, flags);
                    if ((flags & 0x1) != 0) return new H2Response(status, Encoding.UTF8.GetString(body.ToArray()));
                    break;
                case 0x0 when stream == id:
                    int pad = (flags & 0x8) != 0 ? payload[0] + 1 : 0;
                    body.Write(payload, pad == 0 ? 0 : 1, length - pad);
                    if (length > 0)
                    {
                        // Give the window back so a longer body keeps coming.
                        var increment = new byte[4];
                        BinaryPrimitives.WriteInt32BigEndian(increment, length);
                        await WriteFrameAsync(0x8, 0, 0, increment);
                        await WriteFrameAsync(0x8, 0, id, increment);
                    }
                    if ((flags & 0x1) != 0) return new H2Response(status, Encoding.UTF8.GetString(body.ToArray()));
                    break;
            }
        }
    }

    /// <summary>The <c>:status</c> of a response header block: Kestrel sends it first, indexed (static table) or as a literal with an indexed name, never Huffman-coded.</summary>
    private static int FirstStatus(byte[] block, byte flags)
    {
        int i = (flags & 0x8) != 0 ? 1 : 0;
        if ((flags & 0x20) != 0) i += 5; // PRIORITY
        while ((block[i] & 0xE0) == 0x20) // dynamic table size updates
        {
            bool more = (block[i] & 0x1F) == 0x1F;
            i++;
            while (more && (block[i++] & 0x80) != 0) { }
        }
        byte first = block[i];
        if ((first & 0x80) != 0)
            return (first & 0x7F) switch { 8 => 200, 9 => 204, 10 => 206, 11 => 304, 12 => 400, 13 => 404, 14 => 500, var n => throw new IOException($"Unexpected first field index {n}.") };
        i++; // literal with an indexed name (:status is 8..14): then the value
        int len = block[i] & 0x7F;
        if ((block[i] & 0x80) != 0) throw new IOException("Huffman-coded :status.");
        return int.Parse(Encoding.ASCII.GetString(block, i + 1, len), System.Globalization.CultureInfo.InvariantCulture);
    }

    private static void WriteString(MemoryStream block, byte[] s)
    {
        // 7-bit prefix integer (RFC 7541 §5.1), H bit clear: no Huffman coding.
        int n = s.Length;
        if (n < 127) block.WriteByte((byte)n);
        else
        {
            block.WriteByte(127);
            n -= 127;
            while (n >= 128)
            {
                block.WriteByte((byte)(n % 128 + 128));
                n /= 128;
            }
            block.WriteByte((byte)n);
        }
        block.Write(s);
    }

    private async Task WriteFrameAsync(byte type, byte flags, int stream, byte[] payload)
    {
        var frame = new byte[9 + payload.Length];
        frame[0] = (byte)(payload.Length >> 16);
        frame[1] = (byte)(payload.Length >> 8);
        frame[2] = (byte)payload.Length;
        frame[3] = type;
        frame[4] = flags;
        BinaryPrimitives.WriteInt32BigEndian(frame.AsSpan(5), stream);
        payload.CopyTo(frame, 9);
        await _stream.WriteAsync(frame);
        await _stream.FlushAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await _stream.DisposeAsync();
        _tcp.Dispose();
    }
}
