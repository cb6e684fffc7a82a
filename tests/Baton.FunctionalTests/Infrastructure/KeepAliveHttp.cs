using System.Net.Sockets;
using System.Text;

namespace Baton.FunctionalTests.Infrastructure;

/// <summary>
/// HTTP/1.1 on one kept-alive TCP connection, written and read by hand: no retries, no hidden
/// reconnects. A new connection is opened only when the server said <c>Connection: close</c>.
/// </summary>
public sealed class KeepAliveHttp(Uri server) : IDisposable
{
    private TcpClient? _client;
    private NetworkStream? _stream;
    private readonly byte[] _buffer = new byte[64 * 1024];
    private int _start, _end;

    public int Connections { get; private set; }

    public async Task<RawResponse> GetAsync(string path, string host, CancellationToken ct)
    {
        if (_stream is null)
        {
            _client = new TcpClient();
            await _client.ConnectAsync(server.Host, server.Port, ct);
            _stream = _client.GetStream();
            _start = _end = 0;
            Connections++;
        }
        await _stream.WriteAsync(Encoding.ASCII.GetBytes($"GET {path} HTTP/1.1\r\nHost: {host}\r\n\r\n"), ct);
        var status = await ReadLineAsync(ct);
        var parts = status.Split(' ');
        if (parts.Length < 2 || !parts[0].StartsWith("HTTP/1.", StringComparison.Ordinal)) throw new IOException($"Not an HTTP status line: '{status}'");
        var headers = new List<KeyValuePair<string, string>>();
        for (var line = await ReadLineAsync(ct); line.Length > 0; line = await ReadLineAsync(ct))
        {
            int colon = line.IndexOf(':');
            headers.Add(new(line[..colon].Trim(), line[(colon + 1)..].Trim()));
        }
        var response = new RawResponse(int.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture), headers, "");
        string body;
        if (response.Header("Transfer-Encoding")?.Contains("chunked", StringComparison.OrdinalIgnoreCase) == true)
        {
            var sb = new StringBuilder();
            while (true)
            {
                int size = Convert.ToInt32((await ReadLineAsync(ct)).Split(';')[0], 16);
                if (size == 0)
                {
                    while ((await ReadLineAsync(ct)).Length > 0) { } // trailers
                    break;
                }
                sb.Append(Encoding.UTF8.GetString(await ReadBytesAsync(size, ct)));
                await ReadLineAsync(ct);
            }
            body = sb.ToString();
        }
        else
        {
            body = Encoding.UTF8.GetString(await ReadBytesAsync(int.Parse(response.Header("Content-Length") ?? "0", System.Globalization.CultureInfo.InvariantCulture), ct));
        }
        if (response.Header("Connection")?.Contains("close", StringComparison.OrdinalIgnoreCase) == true) Close();
        return response with { Body = body };
    }

    private async Task<bool> FillAsync(CancellationToken ct)
    {
        if (_start > 0 && _start == _end) _start = _end = 0;
        if (_end == _buffer.Length)
        {
            Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
            _end -= _start;
            _start = 0;
        }
        int n = await _stream!.ReadAsync(_buffer.AsMemory(_end), ct);
        if (n == 0) throw new IOException("The server closed the kept-alive connection in the middle of a response.");
        _end += n;
        return true;
    }

    private async Task<string> ReadLineAsync(CancellationToken ct)
    {
        while (true)
        {
            int i = Array.IndexOf(_buffer, (byte)'\n', _start, _end - _start);
            if (i >= 0)
            {
                var line = Encoding.Latin1.GetString(_buffer, _start, i - _start).TrimEnd('\r');
                _start = i + 1;
                return line;
            }
            await FillAsync(ct);
        }
    }

    private async Task<byte[]> ReadBytesAsync(int count, CancellationToken ct)
    {
        var result = new byte[count];
        int copied = 0;
        while (copied < count)
        {
            if (_start == _end) await FillAsync(ct);
            int n = Math.Min(count - copied, _end - _start);
            Buffer.BlockCopy(_buffer, _start, result, copied, n);
            _start += n;
            copied += n;
        }
        return result;
    }

    private void Close()
    {
        _stream?.Dispose();
        _client?.Dispose();
        _stream = null;
        _client = null;
    }

    public void Dispose() => Close();
}
