using System.Diagnostics;
using System.Net.Sockets;

namespace Baton.Router.Health;

/// <summary>
/// The probe of a target with no HTTP health path (<see cref="HealthCheckOptions.ConnectOnly"/>):
/// a TCP connection that opens and stays open. A port forwarder (the engine's docker-proxy on a
/// published port) accepts even when nothing listens in the container, then closes the connection
/// at once: so the connection must still be open <see cref="Hold"/> later.
/// </summary>
public static class ConnectProbe
{
    /// <summary>How long a new connection must stay open to count.</summary>
    public static readonly TimeSpan Hold = TimeSpan.FromMilliseconds(100);

    /// <returns>Whether the target holds a connection, and what was seen.</returns>
    public static async Task<(bool Ok, string Description)> CheckAsync(string host, int port, CancellationToken ct)
    {
        var started = Stopwatch.GetTimestamp();
        using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
        try
        {
            await socket.ConnectAsync(host, port, ct).ConfigureAwait(false);
            using var hold = CancellationTokenSource.CreateLinkedTokenSource(ct);
            hold.CancelAfter(Hold);
            try
            {
                var read = await socket.ReceiveAsync(new byte[1], SocketFlags.None, hold.Token).ConfigureAwait(false);
                // Some servers greet first: data is an answer too; a close is the forwarder's "nothing listens".
                return read > 0 ? (true, $"connected in {Stopwatch.GetElapsedTime(started).TotalMilliseconds:0} ms") : (false, "closed at once (nothing listens behind the port)");
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                return (true, $"connected in {(Stopwatch.GetElapsedTime(started) - Hold).TotalMilliseconds:0} ms");
            }
        }
        catch (SocketException e)
        {
            return (false, e.SocketErrorCode switch
            {
                SocketError.ConnectionRefused => "connection refused",
                SocketError.ConnectionReset => "reset at once (nothing listens behind the port)",
                _ => e.Message,
            });
        }
    }
}
