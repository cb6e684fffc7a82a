using System.Net;
using Baton.Contracts;
using Baton.FunctionalTests.Infrastructure;

namespace Baton.FunctionalTests.Cli;

/// <summary><c>baton deploy</c> and <c>baton status</c> as a user runs them.</summary>
public sealed class CliDeployTests : IAsyncLifetime
{
    private RouterHost _router = null!;
    private Backend _v1 = null!, _v2 = null!;

    public async Task InitializeAsync()
    {
        _router = await RouterHost.StartAsync();
        _v1 = await Backend.StartAsync("v1");
        _v2 = await Backend.StartAsync("v2");
    }

    public async Task DisposeAsync()
    {
        await _router.DisposeAsync();
        await _v1.DisposeAsync();
        await _v2.DisposeAsync();
    }

    /// <summary>What a bad command must leave as it was (counters and probe timings aside).</summary>
    private async Task<string> SnapshotAsync() => string.Join("\n", (await _router.StatusAsync()).Services.Select(s =>
        $"{s.Name} {string.Join(",", s.Hosts)} {s.Path} paused={s.Paused} maint={s.Maintenance} health={s.HealthPath} drain={s.DrainTimeout} " +
        $"active={string.Join(",", s.Active?.Targets.Select(t => t.Address) ?? [])} candidate={string.Join(",", s.Candidate?.Targets.Select(t => t.Address) ?? [])}"));

    private Task<CliResult> DeployCliAsync(string service, string target, params string[] more) =>
        BatonCli.RunAsync(_router, ["deploy", service, "--target", target, "--health-interval", "100ms", "--health-passes", "1", "--drain-timeout", "2s", .. more]);

    [Fact]
    public async Task Deploy_HealthyTarget_Exit0WithProgressAndTrafficFlows()
    {
        var result = await DeployCliAsync("web", _v1.Address, "--host", "web.example.com");
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains($"Deploying web to {_v1.Address}", result.Stdout);
        Assert.Contains("→ Waiting for 1 target to pass health checks", result.Stdout);
        Assert.Contains("→ Switched", result.Stdout);
        Assert.Contains("✓ Deployed web", result.Stdout);
        Assert.Equal("", result.Stderr);

        var (status, body, r) = await _router.GetAsync("/", "web.example.com");
        r.Dispose();
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("v1", body);

        var second = await DeployCliAsync("web", _v2.Address);
        Assert.True(second.ExitCode == 0, second.ToString());
        Assert.Contains("→ Draining 1 old target", second.Stdout);
        var (_, after, r2) = await _router.GetAsync("/", "web.example.com");
        r2.Dispose();
        Assert.Equal("v2", after);

        var shown = await BatonCli.RunAsync(_router, "status", "web");
        Assert.Equal(0, shown.ExitCode);
        Assert.Contains(_v2.Address, shown.Stdout);
        Assert.Contains("web.example.com", shown.Stdout);

        var json = await BatonCli.RunAsync(_router, "status", "--json");
        Assert.Equal(0, json.ExitCode);
        var parsed = System.Text.Json.JsonSerializer.Deserialize(json.Stdout, BatonJson.Default.StatusResponse)!;
        Assert.Equal(_v2.Address, parsed.Services.Single().Active!.Targets.Single().Address);
    }

    [Fact]
    public async Task Deploy_UnparsableTarget_Exit2OneSentenceNothingChanged()
    {
        await _router.DeployOkAsync("web", _v1);
        var before = await SnapshotAsync();
        var result = await DeployCliAsync("web", "not-a-target");
        Assert.Equal(2, result.ExitCode);
        BatonCli.AssertOneSentence(result);
        Assert.Contains("'not-a-target' is not HOST:PORT", result.Stderr);
        Assert.Equal(before, await SnapshotAsync());
    }

    [Fact]
    public async Task Deploy_HostClaimedByAnotherService_Exit2OneSentenceNothingChanged()
    {
        await _router.DeployOkAsync("owner", RouterHost.Request([_v1], hosts: ["shop.example.com"]));
        var before = await SnapshotAsync();
        var result = await DeployCliAsync("thief", _v2.Address, "--host", "shop.example.com");
        Assert.Equal(2, result.ExitCode);
        BatonCli.AssertOneSentence(result);
        Assert.Contains("already routed to service owner", result.Stderr);
        Assert.Equal(before, await SnapshotAsync());
        Assert.Null(await _router.StatusAsync("thief"));
    }

    [Fact]
    public async Task Deploy_TargetNeverHealthy_Exit1LivePoolUntouchedMessageNamesTarget()
    {
        await _router.DeployOkAsync("web", _v1);
        var before = await SnapshotAsync();
        _v2.Healthy = false;
        var result = await DeployCliAsync("web", _v2.Address, "--deploy-timeout", "1s");
        Assert.Equal(1, result.ExitCode);
        BatonCli.AssertOneSentence(result);
        Assert.Contains(_v2.Address, result.Stderr);
        Assert.Contains("503", result.Stderr);
        Assert.Contains("live release was not touched", result.Stderr);
        Assert.Equal(before, await SnapshotAsync());
        var (status, body, r) = await _router.GetAsync("/");
        r.Dispose();
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("v1", body);
        Assert.Equal(0, _v2.Requests);
    }

    [Fact]
    public async Task Deploy_SameServiceAlreadyDeploying_Exit6Refused()
    {
        await _router.DeployOkAsync("web", _v1);
        _v2.Healthy = false;
        var running = _router.DeployAsync("web", RouterHost.Request([_v2], deployTimeout: "20s"));
        await Wait.UntilAsync(async () => (await _router.StatusAsync("web"))!.Candidate is not null, "the first deploy is running");

        var result = await DeployCliAsync("web", _v1.Address);
        Assert.Equal(6, result.ExitCode);
        BatonCli.AssertOneSentence(result);
        Assert.Contains("already running", result.Stderr);

        _v2.Healthy = true;
        var first = await Wait.ForAsync(running, "the first deploy to finish");
        Assert.True(first.Succeeded, first.ToString());
        var (_, body, r) = await _router.GetAsync("/");
        r.Dispose();
        Assert.Equal("v2", body);
    }
}
