using System.Net;
using System.Net.WebSockets;
using Baton.FunctionalTests.Infrastructure;

namespace Baton.FunctionalTests.Rollout;

/// <summary>Candidate pool, atomic switch, and draining the old pool.</summary>
public sealed class SwitchTests : IAsyncLifetime
{
    private RouterHost _router = null!;
    private Backend _v1 = null!, _v2 = null!;

    public async Task InitializeAsync()
    {
        _router = await RouterHost.StartAsync();
        _v1 = await Backend.StartAsync("v1");
        _v2 = await Backend.StartAsync("v2");
        await _router.DeployOkAsync("app", _v1);
    }

    public async Task DisposeAsync()
    {
        await _router.DisposeAsync();
        await _v1.DisposeAsync();
        await _v2.DisposeAsync();
    }

    [Fact]
    public async Task Deploy_SequentialRequestsDuringSwitch_AllOldThenAllNew()
    {
        // Several probes needed, so the deploy lasts a while and requests run across the switch.
        var deploy = _router.DeployAsync("app", RouterHost.Request([_v2], passes: 4));
        var answers = new List<string>();
        while (!deploy.IsCompleted && answers.Count < 5000)
        {
            var (status, body, r) = await _router.GetAsync("/");
            r.Dispose();
            Assert.Equal(HttpStatusCode.OK, status);
            answers.Add(body);
        }
        var result = await deploy;
        Assert.True(result.Succeeded, result.ToString());
        for (int i = 0; i < 20; i++)
        {
            var (_, body, r) = await _router.GetAsync("/");
            r.Dispose();
            answers.Add(body);
        }
        // One switch: v1 until some point, then v2 only; never back to v1.
        int firstNew = answers.IndexOf("v2");
        Assert.True(firstNew > 0, "requests were answered by v1 while the candidate was checked");
        Assert.All(answers.Take(firstNew), b => Assert.Equal("v1", b));
        Assert.All(answers.Skip(firstNew), b => Assert.Equal("v2", b));
        Assert.Contains(result.Events, e => e.Message.StartsWith("Switched", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Deploy_SlowRequestsInFlightOnOldPool_FinishAfterSwitch()
    {
        var slow = Enumerable.Range(0, 5).Select(_ => _router.GetAsync("/slow?ms=1500", client: _router.NewProxyClient())).ToList();
        await Wait.UntilAsync(() => _v1.SlowStarted == 5, "the slow requests reached v1");

        var result = await _router.DeployAsync("app", RouterHost.Request([_v2], drain: "20s"));
        Assert.True(result.Succeeded, result.ToString());
        Assert.Contains(result.Events, e => e.Message.StartsWith("Drained", StringComparison.Ordinal));
        foreach (var request in slow)
        {
            var (status, body, r) = await request;
            r.Dispose();
            Assert.Equal(HttpStatusCode.OK, status);
            Assert.Equal("v1 slow done", body);
        }
        var (_, now, r2) = await _router.GetAsync("/");
        r2.Dispose();
        Assert.Equal("v2", now);
    }

    [Fact]
    public async Task Drain_WebSocketOnOldTarget_OpenUntilDrainTimeoutThenClosed1001()
    {
        using var ws = await WebSockets.ConnectAsync(_router.ProxyUri);
        Assert.Equal("v1: before", await ws.EchoAsync("before"));

        var deploy = _router.DeployAsync("app", RouterHost.Request([_v2], drain: "2s"));
        await Wait.UntilAsync(async () => (await _router.StatusAsync("app"))!.Active!.Targets.Single().Address == _v2.Address, "the switch to v2");
        // Switched, but the old connection lives on until the drain deadline.
        Assert.Equal("v1: after switch", await ws.EchoAsync("after switch"));
        using (var ws2 = await WebSockets.ConnectAsync(_router.ProxyUri))
            Assert.Equal("v2: new", await ws2.EchoAsync("new"));

        using var cts = new CancellationTokenSource(Wait.Default);
        var closed = await ws.ReceiveTextAsync(cts.Token);
        Assert.Equal($"<close {WebSocketCloseStatus.EndpointUnavailable}>", closed);
        Assert.Equal(WebSocketCloseStatus.EndpointUnavailable, ws.CloseStatus);
        var result = await Wait.ForAsync(deploy, "the deploy to end");
        Assert.True(result.Succeeded, result.ToString());
    }

    [Fact]
    public async Task Drain_SseStreamOnOldTarget_EndsCleanlyAtDeadline()
    {
        using var response = await _router.Proxy.GetAsync("/sse?count=0", HttpCompletionOption.ResponseHeadersRead);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        Assert.Equal("data: v1 1", await Wait.ForAsync(reader.ReadLineAsync(), "the first event"));

        var deploy = _router.DeployAsync("app", RouterHost.Request([_v2], drain: "1s"));
        // Reads to the end without an exception: the router ends the stream, it does not cut it.
        var rest = await Wait.ForAsync(reader.ReadToEndAsync(), "the stream to end at the drain deadline");
        Assert.Contains("data: v1 3", rest);
        Assert.EndsWith("\n\n", rest);
        var result = await Wait.ForAsync(deploy, "the deploy to end");
        Assert.True(result.Succeeded, result.ToString());
        Assert.Contains(result.Events, e => e.Kind == "info" && e.Message.Contains("Drain timeout reached", StringComparison.Ordinal));
    }
}
