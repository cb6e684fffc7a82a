using System.Net.WebSockets;
using Baton.FunctionalTests.Infrastructure;

namespace Baton.FunctionalTests.Forwarding;

public sealed class WebSocketTests : IClassFixture<SingleServiceFixture>
{
    private readonly RouterHost _router;

    public WebSocketTests(SingleServiceFixture fixture)
    {
        _router = fixture.Router;
    }


    [Fact]
    public async Task WebSocket_Upgrade_EchoesMessagesBothWays()
    {
        using var ws = await WebSockets.ConnectAsync(_router.ProxyUri);
        Assert.Equal("v1: hello", await ws.EchoAsync("hello"));
        var big = new string('z', 200_000);
        Assert.Equal("v1: " + big, await ws.EchoAsync(big));
        Assert.Equal("v1: again", await ws.EchoAsync("again"));
    }

    [Fact]
    public async Task WebSocket_ClientCloses_CloseHandshakeCompletes()
    {
        using var ws = await WebSockets.ConnectAsync(_router.ProxyUri);
        Assert.Equal("v1: ping", await ws.EchoAsync("ping"));
        using var cts = new CancellationTokenSource(Wait.Default);
        await ws.CloseAsync(WebSocketCloseStatus.NormalClosure, "bye", cts.Token);
        Assert.Equal(WebSocketState.Closed, ws.State);
        Assert.Equal(WebSocketCloseStatus.NormalClosure, ws.CloseStatus);
    }
}
