using System.Buffers;
using System.Net.WebSockets;

namespace Baton.Router.Forwarding;

/// <summary>
/// Relays an upgraded WebSocket between client and target message by message, so that when a
/// draining target's deadline comes the router can close both sides cleanly with 1001 instead
/// of cutting the TCP connection in the middle of a frame.
/// </summary>
internal static class WebSocketRelay
{
    private static readonly TimeSpan CloseGrace = TimeSpan.FromSeconds(2);

    /// <returns>True when the session ended because the target drained.</returns>
    public static async Task<bool> RunAsync(Stream clientStream, Stream targetStream, string? subProtocol, CancellationToken clientAborted, CancellationToken draining)
    {
        using var client = WebSocket.CreateFromStream(clientStream, new WebSocketCreationOptions { IsServer = true, SubProtocol = subProtocol, KeepAliveInterval = TimeSpan.Zero });
        using var target = WebSocket.CreateFromStream(targetStream, new WebSocketCreationOptions { IsServer = false, SubProtocol = subProtocol, KeepAliveInterval = TimeSpan.Zero });
        // Cancelling a pending receive aborts a WebSocket without a close frame, so the drain must
        // not cancel the pumps: it sends the close frames while they receive, and they end when the
        // peers answer. Only one send at a time is allowed per socket, hence a lock per direction.
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(clientAborted);
        using var clientSend = new SemaphoreSlim(1, 1);
        using var targetSend = new SemaphoreSlim(1, 1);
        var drained = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var drainRegistration = draining.Register(() => drained.TrySetResult());

        var up = PumpAsync(client, target, targetSend, stop.Token);
        var down = PumpAsync(target, client, clientSend, stop.Token);
        await Task.WhenAny(up, down, drained.Task).ConfigureAwait(false);

        if (!up.IsCompleted && !down.IsCompleted)
        {
            await CloseQuietlyAsync(client, clientSend, WebSocketCloseStatus.EndpointUnavailable, "server going away").ConfigureAwait(false);
            await CloseQuietlyAsync(target, targetSend, WebSocketCloseStatus.EndpointUnavailable, "proxy draining").ConfigureAwait(false);
            var both = Task.WhenAll(up, down);
            if (await Task.WhenAny(both, Task.Delay(CloseGrace, CancellationToken.None)).ConfigureAwait(false) != both) stop.Cancel();
            await Task.WhenAll(Suppress(up), Suppress(down)).ConfigureAwait(false);
            return true;
        }
        // One side closed or failed: let the other direction finish its close handshake briefly, then stop.
        var other = up.IsCompleted ? down : up;
        if (await Task.WhenAny(other, Task.Delay(CloseGrace, CancellationToken.None)).ConfigureAwait(false) != other) stop.Cancel();
        await Task.WhenAll(Suppress(up), Suppress(down)).ConfigureAwait(false);
        return false;
    }

    private static async Task PumpAsync(WebSocket from, WebSocket to, SemaphoreSlim toSend, CancellationToken ct)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(16 * 1024);
        try
        {
            while (true)
            {
                var result = await from.ReceiveAsync(buffer.AsMemory(), ct).ConfigureAwait(false);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    await CloseQuietlyAsync(to, toSend, from.CloseStatus ?? WebSocketCloseStatus.NormalClosure, from.CloseStatusDescription).ConfigureAwait(false);
                    return;
                }
                await toSend.WaitAsync(ct).ConfigureAwait(false);
                try
                {
                    await to.SendAsync(buffer.AsMemory(0, result.Count), result.MessageType, result.EndOfMessage, ct).ConfigureAwait(false);
                }
                finally
                {
                    toSend.Release();
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Sends a close frame unless one was sent already; never throws.</summary>
    private static async Task CloseQuietlyAsync(WebSocket socket, SemaphoreSlim send, WebSocketCloseStatus status, string? reason)
    {
        using var timeout = new CancellationTokenSource(CloseGrace);
        try
        {
            await send.WaitAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return;
        }
        try
        {
            if (socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
                await socket.CloseOutputAsync(status, reason, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException or IOException or ObjectDisposedException)
        {
        }
        finally
        {
            send.Release();
        }
    }

    private static async Task Suppress(Task task)
    {
        try
        {
            await task.ConfigureAwait(false);
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException or IOException or ObjectDisposedException)
        {
        }
    }
}
