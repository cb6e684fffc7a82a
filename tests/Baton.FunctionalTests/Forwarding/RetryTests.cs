using System.Net;
using System.Net.Sockets;
using Baton.FunctionalTests.Infrastructure;

namespace Baton.FunctionalTests.Forwarding;

/// <summary>A connection that fails before any byte reached the target is retried on another target.</summary>
public sealed class RetryTests : IAsyncLifetime
{
    private RouterHost _router = null!;
    private Backend _alive = null!, _dead = null!;

    public async Task InitializeAsync()
    {
        _router = await RouterHost.StartAsync();
        _alive = await Backend.StartAsync("alive");
        _dead = await Backend.StartAsync("dead");
        // Probes only every 60 s: after its process stops, the dead target stays marked healthy
        // (until passive ejection), so requests keep picking it.
        await _router.DeployOkAsync("retry", RouterHost.Request([_alive, _dead], interval: "60s"));
        await _dead.StopAsync();
    }

    public async Task DisposeAsync()
    {
        await _router.DisposeAsync();
        await _alive.DisposeAsync();
        await _dead.DisposeAsync();
    }

    [Fact]
    public async Task Retry_OneTargetRefusesConnections_EveryRequestOfEveryMethodSucceeds()
    {
        Assert.Equal("healthy", (await _router.TargetStatusAsync("retry", _dead))!.Health);
        var methods = new[] { HttpMethod.Get, HttpMethod.Post, HttpMethod.Put, HttpMethod.Delete, HttpMethod.Patch, HttpMethod.Head };
        int failures = 0;
        var errors = new List<string>();
        for (int i = 0; i < 36; i++)
        {
            var method = methods[i % methods.Length];
            // A fresh connection each time: nothing on the client side may retry and hide a failure.
            using var client = _router.NewProxyClient(h => h.PooledConnectionLifetime = TimeSpan.Zero);
            using var request = new HttpRequestMessage(method, "/echo");
            bool withBody = method == HttpMethod.Post || method == HttpMethod.Put || method == HttpMethod.Patch;
            if (withBody) request.Content = new StringContent(new string('b', 1000 + i));
            using var response = await client.SendAsync(request);
            var body = await response.Content.ReadAsStringAsync();
            var expected = method == HttpMethod.Head ? "" : withBody ? $"alive:{1000 + i}" : "alive";
            if (response.StatusCode != HttpStatusCode.OK || body != expected)
            {
                failures++;
                errors.Add($"{method} → {(int)response.StatusCode} {body}");
            }
        }
        Assert.True(failures == 0, string.Join("\n", errors));
        var dead = await _router.TargetStatusAsync("retry", _dead);
        Assert.True(dead!.ConnectFailures >= 1, "the dead target was tried at least once");
    }

    [Fact]
    public async Task Retry_RawPostOnNewConnections_NoneFails()
    {
        for (int i = 0; i < 10; i++)
        {
            var r = await RawHttp.SendAsync(_router.ProxyUri, "POST", "/echo", body: "hello");
            Assert.Equal(200, r.Status);
            Assert.Equal("alive:5", r.Body);
        }
    }
}
