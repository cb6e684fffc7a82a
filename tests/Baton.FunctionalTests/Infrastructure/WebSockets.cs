using System.Net.WebSockets;
using System.Text;

namespace Baton.FunctionalTests.Infrastructure;

public static class WebSockets
{
    public static async Task<ClientWebSocket> ConnectAsync(Uri proxy, string path = "/ws")
    {
        var ws = new ClientWebSocket();
        ws.Options.Proxy = null;
        using var cts = new CancellationTokenSource(Wait.Default);
        await ws.ConnectAsync(new Uri($"ws://{proxy.Authority}{path}"), cts.Token);
        return ws;
    }

    /// <summary>Sends <paramref name="text"/> and returns the echoed message.</summary>
    public static async Task<string> EchoAsync(this ClientWebSocket ws, string text)
    {
        using var cts = new CancellationTokenSource(Wait.Default);
        await ws.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, true, cts.Token);
        return await ReceiveTextAsync(ws, cts.Token);
    }

    public static async Task<string> ReceiveTextAsync(this ClientWebSocket ws, CancellationToken ct)
    {
        var buffer = new byte[64 * 1024];
        using var message = new MemoryStream();
        while (true)
        {
            var r = await ws.ReceiveAsync(buffer, ct);
            if (r.MessageType == WebSocketMessageType.Close) return $"<close {r.CloseStatus}>";
            message.Write(buffer, 0, r.Count);
            if (r.EndOfMessage) return Encoding.UTF8.GetString(message.ToArray());
        }
    }
}
