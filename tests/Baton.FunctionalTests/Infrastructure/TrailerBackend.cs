using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Baton.FunctionalTests.Infrastructure;

/// <summary>
/// A backend written on raw sockets because Kestrel cannot send HTTP/1.1 trailers: <c>/health</c>
/// answers 200, anything else a chunked body followed by the trailer <c>x-checksum: abc123</c>.
/// </summary>
public sealed class TrailerBackend : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;

    public TrailerBackend()
    {
        _listener.Start();
        _accepting = AcceptAsync();
    }

    public string Address => $"127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}";

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }
            _ = ServeAsync(client);
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        using (client)
        {
            var stream = client.GetStream();
            var buffer = new byte[8192];
            var pending = new StringBuilder();
            try
            {
                while (true)
                {
                    int end;
                    while ((end = pending.ToString().IndexOf("\r\n\r\n", StringComparison.Ordinal)) < 0)
                    {
                        int read = await stream.ReadAsync(buffer, _stop.Token);
                        if (read == 0) return;
                        pending.Append(Encoding.ASCII.GetString(buffer, 0, read));
                    }
                    var head = pending.ToString(0, end);
                    pending.Remove(0, end + 4);
                    var path = head.Split(' ')[1];
                    string response = path == "/health"
                        ? "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
                        : "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTrailer: x-checksum\r\nTransfer-Encoding: chunked\r\n\r\n"
                          + "9\r\npart one,\r\n8\r\npart two\r\n0\r\nx-checksum: abc123\r\n\r\n";
                    await stream.WriteAsync(Encoding.ASCII.GetBytes(response), _stop.Token);
                }
            }
            catch (Exception e) when (e is IOException or OperationCanceledException or SocketException)
            {
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _accepting;
        _stop.Dispose();
    }
}
