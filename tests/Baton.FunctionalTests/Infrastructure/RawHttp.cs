using System.Net.Sockets;
using System.Text;

namespace Baton.FunctionalTests.Infrastructure;

/// <summary>A response read off the wire by <see cref="RawHttp"/>.</summary>
public sealed record RawResponse(int Status, IReadOnlyList<KeyValuePair<string, string>> Headers, string Body)
{
    public string? Header(string name) => Headers.FirstOrDefault(h => h.Key.Equals(name, StringComparison.OrdinalIgnoreCase)).Value;
}

/// <summary>
/// HTTP/1.1 written by hand on a new TCP connection per request: nothing is retried or hidden,
/// and headers go out exactly as given.
/// </summary>
public static class RawHttp
{
    /// <param name="from">The client's own address (say 127.0.0.2) for tests of who may connect; any when null.</param>
    public static async Task<RawResponse> SendAsync(Uri server, string method, string path, string? host = null, string? body = null, IEnumerable<string>? headers = null, CancellationToken ct = default, System.Net.IPAddress? from = null)
    {
        var sb = new StringBuilder();
        sb.Append(method).Append(' ').Append(path).Append(" HTTP/1.1\r\n");
        sb.Append("Host: ").Append(host ?? server.Authority).Append("\r\n");
        foreach (var h in headers ?? []) sb.Append(h).Append("\r\n");
        var bodyBytes = body is null ? [] : Encoding.UTF8.GetBytes(body);
        if (body is not null) sb.Append("Content-Length: ").Append(bodyBytes.Length).Append("\r\n");
        sb.Append("Connection: close\r\n\r\n");
        return await SendBytesAsync(server, [.. Encoding.ASCII.GetBytes(sb.ToString()), .. bodyBytes], ct, from);
    }

    /// <summary>Writes <paramref name="request"/> as it is on a new connection and reads the answer until the server closes it.</summary>
    /// <param name="from">The client's own address (say 127.0.0.2); any when null.</param>
    public static async Task<RawResponse> SendBytesAsync(Uri server, byte[] request, CancellationToken ct = default, System.Net.IPAddress? from = null)
    {
        using var client = from is null ? new TcpClient() : new TcpClient(new System.Net.IPEndPoint(from, 0));
        await client.ConnectAsync(server.Host, server.Port, ct);
        var stream = client.GetStream();
        await stream.WriteAsync(request, ct);

        // Read until one final response is complete (or the server closes): a request without
        // Connection: close would otherwise wait for the server's keep-alive timeout (130 s).
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        while (!Complete(buffer.GetBuffer().AsSpan(0, (int)buffer.Length)))
        {
            int read = await stream.ReadAsync(chunk, ct);
            if (read == 0) break;
            buffer.Write(chunk, 0, read);
        }
        return Parse(buffer.ToArray());
    }

    /// <summary>Whether <paramref name="data"/> holds a whole final response: interim 1xx answers skipped, then its head and its body by length or chunks.</summary>
    private static bool Complete(ReadOnlySpan<byte> data)
    {
        var text = Encoding.Latin1.GetString(data);
        int start = 0;
        while (true)
        {
            int end = text.IndexOf("\r\n\r\n", start, StringComparison.Ordinal);
            if (end < 0) return false;
            var lines = text[start..end].Split("\r\n");
            var parts = lines[0].Split(' ');
            if (parts.Length < 2 || !int.TryParse(parts[1], System.Globalization.CultureInfo.InvariantCulture, out var status)) return false;
            int body = end + 4;
            if (status is >= 100 and < 200 && status != 101)
            {
                start = body;
                continue;
            }
            if (status is 101 or 204 or 304) return true;
            string? Header(string name) => lines.Skip(1).Select(l => l.Split(':', 2)).Where(h => h.Length == 2 && h[0].Trim().Equals(name, StringComparison.OrdinalIgnoreCase)).Select(h => h[1].Trim()).FirstOrDefault();
            if (Header("Transfer-Encoding")?.Contains("chunked", StringComparison.OrdinalIgnoreCase) == true)
                return text.IndexOf("\r\n0\r\n", body - 2, StringComparison.Ordinal) is var last and >= 0 && text.IndexOf("\r\n\r\n", last + 2, StringComparison.Ordinal) >= 0;
            if (long.TryParse(Header("Content-Length"), System.Globalization.CultureInfo.InvariantCulture, out var length)) return text.Length - body >= length;
            return false; // a body delimited by the close
        }
    }

    private static RawResponse Parse(byte[] data)
    {
        var text = Encoding.Latin1.GetString(data);
        int end = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        if (end < 0) throw new IOException($"Incomplete response ({data.Length} bytes): {text}");
        var lines = text[..end].Split("\r\n");
        var status = int.Parse(lines[0].Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
        var headers = lines.Skip(1).Select(l =>
        {
            int colon = l.IndexOf(':');
            return new KeyValuePair<string, string>(l[..colon].Trim(), l[(colon + 1)..].Trim());
        }).ToList();
        var rest = text[(end + 4)..];
        bool chunked = headers.Any(h => h.Key.Equals("Transfer-Encoding", StringComparison.OrdinalIgnoreCase) && h.Value.Contains("chunked", StringComparison.OrdinalIgnoreCase));
        var lengthHeader = headers.FirstOrDefault(h => h.Key.Equals("Content-Length", StringComparison.OrdinalIgnoreCase)).Value;
        string body;
        if (chunked)
        {
            var sb = new StringBuilder();
            int i = 0;
            while (true)
            {
                int lineEnd = rest.IndexOf("\r\n", i, StringComparison.Ordinal);
                if (lineEnd < 0) throw new IOException("Chunked body cut off before its last chunk.");
                int size = Convert.ToInt32(rest[i..lineEnd].Split(';')[0], 16);
                if (size == 0) break;
                sb.Append(rest, lineEnd + 2, size);
                i = lineEnd + 2 + size + 2;
            }
            body = sb.ToString();
        }
        else if (lengthHeader is not null)
        {
            int length = int.Parse(lengthHeader, System.Globalization.CultureInfo.InvariantCulture);
            if (rest.Length < length) throw new IOException($"Body cut off: {rest.Length} of {length} bytes.");
            body = rest[..length];
        }
        else
        {
            body = rest;
        }
        return new RawResponse(status, headers, Encoding.UTF8.GetString(Encoding.Latin1.GetBytes(body)));
    }
}
