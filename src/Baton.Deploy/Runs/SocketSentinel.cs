using System.Net;
using System.Net.Sockets;

namespace Baton.Deploy.Runs;

/// <summary>
/// Holds one idle TCP connection to each new target during the watch: when the process behind it
/// dies, the kernel closes that connection at once, well before the engine's "die" event, and a
/// new connection is then refused. A connection the app itself closes (an idle timeout) is opened
/// again; only a refused or failed connect counts.
/// </summary>
internal static class SocketSentinel
{
    /// <summary>Completes with one sentence when a target stops accepting connections; null when <paramref name="ct"/> ends first.</summary>
    public static async Task<string?> WatchAsync(IReadOnlyList<ReleaseContainer> web, CancellationToken ct)
    {
        var watches = web.Where(c => c.Target is not null && IPEndPoint.TryParse(c.Target, out _)).Select(c => WatchOneAsync(c, ct)).ToList();
        while (watches.Count > 0)
        {
            var done = await Task.WhenAny(watches).ConfigureAwait(false);
            if (await done.ConfigureAwait(false) is { } stopped) return stopped;
            watches.Remove(done);
        }
        return null;
    }

    private static async Task<string?> WatchOneAsync(ReleaseContainer c, CancellationToken ct)
    {
        var endpoint = IPEndPoint.Parse(c.Target!);
        var buffer = new byte[64];
        // Bounded: an app that closes idle connections at once is reopened a limited number of times, then left to the other signals.
        for (int opened = 0; opened < 100 && !ct.IsCancellationRequested; opened++)
        {
            using var socket = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                await socket.ConnectAsync(endpoint, ct).ConfigureAwait(false);
            }
            catch (SocketException e)
            {
                return $"{c.Name} stopped accepting connections on {c.Target} ({e.SocketErrorCode})";
            }
            catch (OperationCanceledException)
            {
                return null;
            }
            try
            {
                // Nothing is sent: the read ends only when the connection closes.
                while (await socket.ReceiveAsync(buffer, SocketFlags.None, ct).ConfigureAwait(false) > 0) { }
            }
            catch (SocketException)
            {
                // Reset: the next connect tells a dead process from a closed connection.
            }
            catch (OperationCanceledException)
            {
                return null;
            }
        }
        return null;
    }
}
