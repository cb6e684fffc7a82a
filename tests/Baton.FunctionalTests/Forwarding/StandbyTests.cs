using Baton.FunctionalTests.Infrastructure;
using Baton.Router.Rollout;

namespace Baton.FunctionalTests.Forwarding;

/// <summary>
/// The warm old release during a watch window, as the deployer stages it (a standby candidate):
/// a request that finds no available target in the live pool goes to it instead of failing. A
/// candidate that is not a standby (a held deploy's idle colour) never gets public traffic.
/// </summary>
public sealed class StandbyTests : IAsyncLifetime
{
    private const string Host = "standby.test";
    private RouterHost _router = null!;
    private Backend _new = null!, _old = null!;

    public async Task InitializeAsync()
    {
        _router = await RouterHost.StartAsync();
        _new = await Backend.StartAsync("new");
        _old = await Backend.StartAsync("old");
        // Probes only every 60 s: after its process stops, the new target stays marked healthy and is
        // still picked, so each request first meets a refused connection, as right after a crash.
        await _router.DeployOkAsync("app", RouterHost.Request([_new], hosts: [Host], interval: "60s"));
    }

    public async Task DisposeAsync()
    {
        await _router.DisposeAsync();
        await _new.DisposeAsync();
        await _old.DisposeAsync();
    }

    private async Task StageOldAsync(bool standby, string service = "app", string host = Host)
    {
        var plan = DeployPlan.TryCreate(service, RouterHost.Request([_old], hosts: [host], interval: "100ms"), _router.Server.State!.Current, out var error);
        Assert.True(plan is not null, error);
        Assert.Null(await _router.Server.Rollout!.StageAsync(plan with { PoolName = "blue", Standby = standby }, CancellationToken.None));
    }

    /// <returns>How many of <paramref name="count"/> requests, each on a new connection, were not answered 200 by the old release.</returns>
    private async Task<List<string>> FailuresAsync(int count)
    {
        var failures = new List<string>();
        for (int i = 0; i < count; i++)
        {
            var answer = await RawHttp.SendAsync(_router.ProxyUri, "GET", "/", host: Host);
            if (answer.Status != 200 || answer.Body != "old") failures.Add($"{answer.Status} {answer.Body.Trim()}");
        }
        return failures;
    }

    [Fact]
    public async Task LiveTargetRefusesConnections_EveryRequestAnsweredByTheStandby()
    {
        await StageOldAsync(standby: true);
        await _new.StopAsync();

        var failures = await FailuresAsync(20);

        Assert.True(failures.Count == 0, string.Join("\n", failures));
        Assert.True(_old.Requests >= 20, $"the standby answered {_old.Requests}");
        var status = await _router.StatusAsync("app");
        Assert.True(status!.Active!.Targets.Single().ConnectFailures >= 1, "the dead live target was tried first");
        var metrics = await _router.Admin.GetStringAsync("/metrics");
        Assert.Matches(@"baton_standby_requests_total\{service=""app""\} ([2-9]\d|\d{3,})\n", metrics);
        // The router's own 503/502 answers: none.
        Assert.DoesNotMatch(@"baton_router_responses_total\{service=""app"",code=""50[23]""\}", metrics);
    }

    [Fact]
    public async Task LiveTargetTakesAPostAndClosesUnanswered_OnlyThatPostFails_TheNextGoToTheStandby()
    {
        // The live release's port still accepts but its app is gone (Docker's proxy for a crashed container).
        const string slamHost = "slam.test";
        await using var slammer = new RawBackend(closeUnanswered: true);
        await _router.DeployOkAsync("slam", RouterHost.Request([_new], hosts: [slamHost], interval: "60s") with { Targets = [slammer.Address] });
        await StageOldAsync(standby: true, "slam", slamHost);

        var first = await RawHttp.SendAsync(_router.ProxyUri, "POST", "/order", host: slamHost, body: "order-1");
        Assert.Equal(502, first.Status);
        Assert.Single(slammer.Requests);
        // The live target failed its last attempt and no request or probe since has shown it answers: a POST that
        // cannot be sent twice is not risked on it while the standby is warm. One failure short of an ejection.
        for (int i = 2; i <= 10; i++)
        {
            var next = await RawHttp.SendAsync(_router.ProxyUri, "POST", "/order", host: slamHost, body: $"order-{i}");
            Assert.True(next.Status == 200 && next.Body.StartsWith("old", StringComparison.Ordinal), $"POST {i}: {next.Status} {next.Body}");
        }
        Assert.Single(slammer.Requests);
        var live = (await _router.StatusAsync("slam"))!.Active!.Targets.Single();
        Assert.Equal("healthy", live.Health);
    }

    [Fact]
    public async Task LiveTargetHealthy_StandbyGetsNoPublicTraffic()
    {
        await StageOldAsync(standby: true);
        for (int i = 0; i < 10; i++) Assert.Equal("new", (await RawHttp.SendAsync(_router.ProxyUri, "GET", "/", host: Host)).Body);
        Assert.Equal(0, _old.Requests);
    }

    [Fact]
    public async Task CandidateNotAStandby_LiveTargetDead_RequestsFailRatherThanReachAnUnvettedRelease()
    {
        await StageOldAsync(standby: false);
        await _new.StopAsync();

        var answer = await RawHttp.SendAsync(_router.ProxyUri, "GET", "/", host: Host);

        Assert.Equal(503, answer.Status);
        Assert.Equal(0, _old.Requests);
    }
}
