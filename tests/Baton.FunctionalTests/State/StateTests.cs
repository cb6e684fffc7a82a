using System.Net;
using Baton.FunctionalTests.Infrastructure;

namespace Baton.FunctionalTests.State;

/// <summary>The routing state survives a restart; stopping lets requests in flight finish.</summary>
public sealed class StateTests : IAsyncLifetime
{
    private readonly string _data = RouterHost.NewDataDirectory();
    private Backend _a = null!, _b = null!;

    public async Task InitializeAsync()
    {
        _a = await Backend.StartAsync("a");
        _b = await Backend.StartAsync("b");
    }

    public async Task DisposeAsync()
    {
        await _a.DisposeAsync();
        await _b.DisposeAsync();
        Directory.Delete(_data, recursive: true);
    }

    [Fact]
    public async Task Restart_SameDataDirectory_RoutesAndPoolsBackAndTrafficFlowsAtOnce()
    {
        await using (var first = await RouterHost.StartAsync(_data))
        {
            await first.DeployOkAsync("shop", RouterHost.Request([_a, _b], hosts: ["shop.example.com"], drain: "7s"));
            await first.DeployOkAsync("api", RouterHost.Request([_b], path: "/api"));
        }

        await using var second = await RouterHost.StartAsync(_data);
        // The very first requests succeed: restored targets take traffic without waiting for probes.
        var shop = await RawHttp.SendAsync(second.ProxyUri, "GET", "/", host: "shop.example.com");
        Assert.Equal(200, shop.Status);
        Assert.Contains(shop.Body, new[] { "a", "b" });
        var api = await RawHttp.SendAsync(second.ProxyUri, "GET", "/api/x", host: "other.org");
        Assert.Equal(200, api.Status);
        Assert.Equal("b", api.Body);
        var none = await RawHttp.SendAsync(second.ProxyUri, "GET", "/", host: "other.org");
        Assert.Equal(404, none.Status);

        var status = (await second.StatusAsync("shop"))!;
        Assert.Equal(["shop.example.com"], status.Hosts);
        Assert.Equal("7s", status.DrainTimeout);
        Assert.Equal(new[] { _a.Address, _b.Address }.Order(), status.Active!.Targets.Select(t => t.Address).Order());
        Assert.Null(status.Candidate);
        Assert.Equal("/api", (await second.StatusAsync("api"))!.Path);
    }

    [Fact]
    public async Task Restart_PausedAndInMaintenance_StillSoAfterRestart()
    {
        await using (var first = await RouterHost.StartAsync(_data))
        {
            await first.DeployOkAsync("paused", RouterHost.Request([_a], hosts: ["paused.example.com"]));
            await first.DeployOkAsync("maint", RouterHost.Request([_b], hosts: ["maint.example.com"]));
            await first.PauseAsync("paused", "20s");
            await first.MaintenanceAsync("maint", true, "Upgrading the database");
        }

        await using var second = await RouterHost.StartAsync(_data);
        var maint = await RawHttp.SendAsync(second.ProxyUri, "GET", "/", host: "maint.example.com");
        Assert.Equal(503, maint.Status);
        Assert.Equal("Upgrading the database\n", maint.Body);

        var held = RawHttp.SendAsync(second.ProxyUri, "GET", "/", host: "paused.example.com");
        await Task.Delay(300);
        Assert.False(held.IsCompleted, "a request to the paused service was not held");
        Assert.True((await second.StatusAsync("paused"))!.Paused);
        await second.ResumeAsync("paused");
        var released = await Wait.ForAsync(held, "the held request after resume");
        Assert.Equal(200, released.Status);
        Assert.Equal("a", released.Body);
    }

    [Fact]
    public async Task StopAsync_SlowRequestInFlight_Finishes()
    {
        await using var router = await RouterHost.StartAsync(_data);
        await router.DeployOkAsync("slow", _a);
        var slow = router.GetAsync("/slow?ms=1500");
        await Wait.UntilAsync(() => _a.SlowStarted == 1, "the slow request reached the backend");

        await router.StopAsync();
        var (status, body, response) = await Wait.ForAsync(slow, "the slow request");
        response.Dispose();
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("a slow done", body);

        // Stopped: no new connections.
        await Assert.ThrowsAnyAsync<Exception>(() => RawHttp.SendAsync(router.ProxyUri, "GET", "/"));
    }
}
