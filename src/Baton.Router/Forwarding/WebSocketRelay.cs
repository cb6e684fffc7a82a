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
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(clientAborted, draining);

        var up = PumpAsync(client, target, stop.Token);
        var down = PumpAsync(target, client, stop.Token);
        await Task.WhenAny(up, down).ConfigureAwait(false);

        if (draining.IsCancellationRequested)
        {
            stop.Cancel();
            await Task.WhenAll(Suppress(up), Suppress(down)).ConfigureAwait(false);
            await CloseQuietlyAsync(client, WebSocketCloseStatus.EndpointUnavailable, "server going away").ConfigureAwait(false);
            await CloseQuietlyAsync(target, WebSocketCloseStatus.EndpointUnavailable, "proxy draining").ConfigureAwait(false);
            return true;
        }
        // One side closed or failed: let the other direction finish its close handshake briefly, then stop.
        var other = up.IsCompleted ? down : up;
        if (await Task.WhenAny(other, Task.Delay(CloseGrace, CancellationToken.None)).ConfigureAwait(false) != other) stop.Cancel();
        await Task.WhenAll(Suppress(up), Suppress(down)).ConfigureAwait(false);
        return false;
    }

    private static async Task PumpAsync(WebSocket from, WebSocket to, CancellationToken ct)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(16 * 1024);
        try
        {
            while (true)
            {
                var result = await from.ReceiveAsync(buffer.AsMemory(), ct).ConfigureAwait(false);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    if (to.State is WebSocketState.Open or WebSocketState.CloseReceived)
                        await to.CloseOutputAsync(from.CloseStatus ?? WebSocketCloseStatus.NormalClosure, from.CloseStatusDescription, ct).ConfigureAwait(false);
                    return;
                }
                await to.SendAsync(buffer.AsMemory(0, result.Count), result.MessageType, result.EndOfMessage, ct).ConfigureAwait(false);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static async Task CloseQuietlyAsync(WebSocket socket, WebSocketCloseStatus status, string reason)
    {
        if (socket.State is not (WebSocketState.Open or WebSocketState.CloseReceived)) return;
        try
        {
            using var timeout = new CancellationTokenSource(CloseGrace);
            await socket.CloseOutputAsync(status, reason, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException or IOException or ObjectDisposedException)
        {
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
