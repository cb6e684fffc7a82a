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
    public static async Task<RawResponse> SendAsync(Uri server, string method, string path, string? host = null, string? body = null, IEnumerable<string>? headers = null, CancellationToken ct = default)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(server.Host, server.Port, ct);
        var stream = client.GetStream();
        var sb = new StringBuilder();
        sb.Append(method).Append(' ').Append(path).Append(" HTTP/1.1\r\n");
        sb.Append("Host: ").Append(host ?? server.Authority).Append("\r\n");
        foreach (var h in headers ?? []) sb.Append(h).Append("\r\n");
        var bodyBytes = body is null ? [] : Encoding.UTF8.GetBytes(body);
        if (body is not null) sb.Append("Content-Length: ").Append(bodyBytes.Length).Append("\r\n");
        sb.Append("Connection: close\r\n\r\n");
        await stream.WriteAsync(Encoding.ASCII.GetBytes(sb.ToString()), ct);
        if (bodyBytes.Length > 0) await stream.WriteAsync(bodyBytes, ct);

        using var buffer = new MemoryStream();
        await stream.CopyToAsync(buffer, ct);
        return Parse(buffer.ToArray());
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
