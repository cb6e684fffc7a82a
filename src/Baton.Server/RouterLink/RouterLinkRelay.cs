using System.Net.Sockets;

namespace Baton.Server.RouterLink;

/// <summary>
/// <c>baton router link</c>: the forced command of the controller's key on a router host. It
/// connects to the router's control socket and relays bytes both ways between its own standard
/// input/output and the socket (as <c>docker system dial-stdio</c> does), so the controller's
/// HTTP calls (<see cref="RouterLinkApi"/>) run over an SSH channel unchanged. The key can do
/// nothing but what the control socket offers: no shell, no file, no other program.
/// </summary>
public static class RouterLinkRelay
{
    /// <summary>The forced command a router host's key is bound to unless it is added with another.</summary>
    public const string DefaultCommand = "baton router link --data /var/lib/baton";

    /// <summary>How long the link waits for a router to listen (one is being started or replaced).</summary>
    public static readonly TimeSpan ConnectPatience = TimeSpan.FromSeconds(10);

    /// <summary>Relays one connection until the router or the caller ends it.</summary>
    /// <returns>0 when relayed; 1 when no router answered (said on <paramref name="error"/> in one sentence).</returns>
    public static async Task<int> RunAsync(string dataDirectory, Stream input, Stream output, TextWriter error, CancellationToken ct)
    {
        var path = Path.Combine(dataDirectory, RouterLinkApi.SocketFile);
        var socket = await ConnectAsync(path, ct).ConfigureAwait(false);
        if (socket is null)
        {
            await error.WriteLineAsync($"No Baton router answers on {Path.GetFullPath(path)}; start one with `baton router run --data {Path.GetFullPath(dataDirectory)}`.").ConfigureAwait(false);
            return 1;
        }
        using var stream = new NetworkStream(socket, ownsSocket: true);
        // Up: the caller's bytes to the router. Their end is the end of the connection (the controller
        // closes its channel once done with it); Kestrel takes a half-close for a client gone anyway.
        var up = Task.Factory.StartNew(() =>
        {
            try
            {
                input.CopyTo(stream);
                socket.Shutdown(SocketShutdown.Both);
            }
            catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException)
            {
                // The router closed first: down ends too.
            }
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        try
        {
            var buffer = new byte[64 * 1024];
            int read;
            while ((read = await stream.ReadAsync(buffer, ct).ConfigureAwait(false)) > 0)
            {
                await output.WriteAsync(buffer.AsMemory(0, read), ct).ConfigureAwait(false);
                await output.FlushAsync(ct).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is IOException or SocketException)
        {
            // The caller or the router went away: the connection is over either way.
        }
        return 0;
    }

    private static async Task<Socket?> ConnectAsync(string path, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + ConnectPatience;
        while (true)
        {
            var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            try
            {
                await socket.ConnectAsync(new UnixDomainSocketEndPoint(path), ct).ConfigureAwait(false);
                return socket;
            }
            catch (SocketException)
            {
                socket.Dispose();
                if (DateTime.UtcNow >= deadline) return null;
                await Task.Delay(100, ct).ConfigureAwait(false);
            }
        }
    }
}
