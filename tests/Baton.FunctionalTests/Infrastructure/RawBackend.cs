using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Baton.FunctionalTests.Infrastructure;

/// <summary>
/// An HTTP/1.1 backend written on a bare socket that records the exact bytes of every request it
/// receives (head and body), on kept-alive connections like a real app. Each answer names the
/// request it answers (<c>answer N</c>), so a test can tell whose answer a client got. Requests
/// whose path starts with <see cref="SilentPrefix"/> are never answered. With
/// <c>closeUnanswered</c>, it answers only health probes and closes the connection on any other
/// request without a byte (as Docker's proxy does for a crashed container's published port).
/// </summary>
public sealed class RawBackend : IAsyncDisposable
{
    public const string SilentPrefix = "/silent";

    /// <summary>A request for a path under this gets the head of a 100-byte answer and 10 bytes of it, then the connection closes.</summary>
    public const string CutPrefix = "/cut";

    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentQueue<byte[]> _requests = new();
    private readonly List<Task> _connections = [];
    private readonly Task _accepting;
    private readonly bool _closeUnanswered;
    private int _count;

    public RawBackend(bool closeUnanswered = false)
    {
        _closeUnanswered = closeUnanswered;
        _listener.Start();
        _accepting = AcceptAsync();
    }

    public string Address => $"127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}";

    /// <summary>Every request received, in order, as raw bytes, less the router's health probes (<c>GET /health</c>).</summary>
    public IReadOnlyList<byte[]> Requests => _requests.Where(r => !IsProbe(Encoding.Latin1.GetString(r))).ToList();

    private static bool IsProbe(string request) => request.StartsWith("GET /health ", StringComparison.Ordinal);

    /// <summary>The recorded requests as Latin-1 text (one char per byte).</summary>
    public IReadOnlyList<string> RequestTexts => Requests.Select(r => Encoding.Latin1.GetString(r)).ToList();

    /// <summary>Requests (not probes) received whose request line contains <paramref name="marker"/>.</summary>
    public IReadOnlyList<string> RequestsWith(string marker) =>
        RequestTexts.Where(t => t[..t.IndexOf("\r\n", StringComparison.Ordinal)].Contains(marker, StringComparison.Ordinal)).ToList();

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await _listener.AcceptSocketAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }
            lock (_connections) _connections.Add(ServeAsync(socket));
        }
    }

    private async Task ServeAsync(Socket socket)
    {
        using var _ = socket;
        using var stream = new NetworkStream(socket, ownsSocket: false);
        var buffer = new List<byte>();
        var chunk = new byte[64 * 1024];
        try
        {
            while (true)
            {
                // Head
                int end;
                while ((end = IndexOf(buffer, "\r\n\r\n"u8)) < 0)
                {
                    int n = await stream.ReadAsync(chunk, _stop.Token);
                    if (n == 0) return;
                    buffer.AddRange(chunk.AsSpan(0, n).ToArray());
                }
                var head = Encoding.Latin1.GetString(buffer.GetRange(0, end + 4).ToArray());
                int total = end + 4 + await BodyLengthAsync(head, buffer, end + 4, stream, chunk);
                var request = buffer.GetRange(0, total).ToArray();
                buffer.RemoveRange(0, total);
                _requests.Enqueue(request);
                int number = Interlocked.Increment(ref _count);
                var target = head.Split(' ', 3)[1];
                if (_closeUnanswered && !IsProbe(head)) return;
                if (target.StartsWith(SilentPrefix, StringComparison.Ordinal))
                {
                    await Task.Delay(Timeout.Infinite, _stop.Token);
                    return;
                }
                if (target.StartsWith(CutPrefix, StringComparison.Ordinal))
                {
                    await stream.WriteAsync("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 100\r\n\r\nten bytes."u8.ToArray(), _stop.Token);
                    return;
                }
                var body = $"answer {number}";
                var response = $"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: {body.Length}\r\n\r\n{body}";
                await stream.WriteAsync(Encoding.ASCII.GetBytes(response), _stop.Token);
            }
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }
    }

    /// <summary>Reads the body (Content-Length or chunked) into <paramref name="buffer"/> and returns its length on the wire.</summary>
    private async Task<int> BodyLengthAsync(string head, List<byte> buffer, int start, NetworkStream stream, byte[] chunk)
    {
        var lines = head.Split("\r\n");
        bool chunked = lines.Any(l => l.StartsWith("Transfer-Encoding:", StringComparison.OrdinalIgnoreCase) && l.Contains("chunked", StringComparison.OrdinalIgnoreCase));
        var lengthLine = lines.FirstOrDefault(l => l.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase));
        if (chunked)
        {
            // Until the last chunk's empty line: good enough for the bodies tests send (no trailers).
            int end;
            while ((end = IndexOf(buffer, "0\r\n\r\n"u8, start)) < 0)
            {
                int n = await stream.ReadAsync(chunk, _stop.Token);
                if (n == 0) throw new IOException("cut");
                buffer.AddRange(chunk.AsSpan(0, n).ToArray());
            }
            return end + 5 - start;
        }
        if (lengthLine is null) return 0;
        int length = int.Parse(lengthLine[15..].Trim(), System.Globalization.CultureInfo.InvariantCulture);
        while (buffer.Count - start < length)
        {
            int n = await stream.ReadAsync(chunk, _stop.Token);
            if (n == 0) throw new IOException("cut");
            buffer.AddRange(chunk.AsSpan(0, n).ToArray());
        }
        return length;
    }

    private static int IndexOf(List<byte> buffer, ReadOnlySpan<byte> value, int from = 0)
    {
        var span = System.Runtime.InteropServices.CollectionsMarshal.AsSpan(buffer)[from..];
        int i = span.IndexOf(value);
        return i < 0 ? -1 : i + from;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _accepting;
        Task[] open;
        lock (_connections) open = [.. _connections];
        await Task.WhenAll(open);
        _stop.Dispose();
    }
}
