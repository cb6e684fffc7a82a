// Keeps one WebSocket open for a fixed life, sends a numbered message every interval, checks
// each echo, then closes it cleanly. Prints one line and exits 0 if the socket lived its whole
// planned life with every echo right, 1 if it was cut (or an echo was wrong) before its end.
//
//   wsprobe ws://127.0.0.1:8080/ws LIFE_SECONDS [INTERVAL_MS] [HOST]
// HOST, when given, is sent as the Host header (for a router that routes by host).
using System.Diagnostics;
using System.Net.WebSockets;
using System.Text;

if (args.Length < 2)
{
    Console.Error.WriteLine("usage: wsprobe WS_URL LIFE_SECONDS [INTERVAL_MS] [HOST]");
    return 2;
}
var uri = new Uri(args[0]);
var life = TimeSpan.FromSeconds(double.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture));
var interval = TimeSpan.FromMilliseconds(args.Length > 2 ? int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 100);

using var socket = new ClientWebSocket();
socket.Options.KeepAliveInterval = TimeSpan.Zero;
if (args.Length > 3) socket.Options.SetRequestHeader("Host", args[3]);
var clock = Stopwatch.StartNew();
int sent = 0, echoed = 0;
var buffer = new byte[4096];
try
{
    using (var connect = new CancellationTokenSource(TimeSpan.FromSeconds(10)))
        await socket.ConnectAsync(uri, connect.Token);
    while (clock.Elapsed < life)
    {
        var text = $"message {sent} at {clock.ElapsedMilliseconds} ms";
        var payload = Encoding.UTF8.GetBytes(text);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        await socket.SendAsync(payload, WebSocketMessageType.Text, true, timeout.Token);
        sent++;
        int got = 0;
        WebSocketReceiveResult result;
        do
        {
            result = await socket.ReceiveAsync(new ArraySegment<byte>(buffer, got, buffer.Length - got), timeout.Token);
            if (result.MessageType == WebSocketMessageType.Close)
                throw new WebSocketException($"closed by the other side ({result.CloseStatus} {result.CloseStatusDescription})");
            got += result.Count;
        } while (!result.EndOfMessage);
        var echo = Encoding.UTF8.GetString(buffer, 0, got);
        if (echo != text) throw new InvalidDataException($"wrong echo: sent '{text}', got '{echo}'");
        echoed++;
        var next = interval - TimeSpan.FromMilliseconds(clock.ElapsedMilliseconds % (long)interval.TotalMilliseconds);
        await Task.Delay(next);
    }
    using (var close = new CancellationTokenSource(TimeSpan.FromSeconds(5)))
        await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", close.Token);
    Console.WriteLine($"websocket: lived {clock.Elapsed.TotalSeconds:F1} s of {life.TotalSeconds:F1} s, {sent} messages sent, {echoed} echoed, cut: no");
    return 0;
}
catch (Exception e) when (e is WebSocketException or OperationCanceledException or InvalidDataException or IOException)
{
    Console.WriteLine($"websocket: cut after {clock.Elapsed.TotalSeconds:F1} s of {life.TotalSeconds:F1} s, {sent} messages sent, {echoed} echoed, cut: yes ({e.GetType().Name}: {e.Message})");
    return 1;
}
