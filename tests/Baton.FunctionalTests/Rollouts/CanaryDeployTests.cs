using Baton.FunctionalTests.Deploy;
using Baton.FunctionalTests.Infrastructure;
using Xunit.Abstractions;

namespace Baton.FunctionalTests.Rollouts;

/// <summary>
/// Canary deploys of the sample app on the real engine, judged on the router's own numbers while
/// a non-retrying load runs: a good release goes through its steps, a release that errs or slows
/// is rolled back by itself, and an operator can pause, promote and abort.
/// </summary>
public sealed class CanaryDeployTests(ITestOutputHelper output)
{
    private const string FastSteps = """
        canary:
          steps: [10, 50, 100]
          step_time: 3s
          min_requests: 30
        """;

    [Fact]
    public async Task Canary_GoodRelease_PromotedStepByStep_ZeroFailedRequests()
    {
        await using var app = await BlueGreenApp.StartAsync(FastSteps);
        await app.DeployOkAsync("v1");

        await using var load = TrafficLoad.Start(app.ProxyUri, app.Host, slow: 1);
        await Wait.UntilAsync(() => load.Requests > 20, "the load is flowing", TimeSpan.FromSeconds(20));
        var deploy = await app.DeployOkAsync("v2", "--strategy", "canary");
        await load.StopAsync();
        output.WriteLine(deploy.Stdout);
        output.WriteLine(load.Summary);

        Assert.True(load.Failures.Count == 0, load.Summary);
        Assert.Contains("Canary step 1/3: 10%", deploy.Stdout);
        Assert.Contains("Canary at 10% passed", deploy.Stdout);
        Assert.Contains("Canary at 50% passed", deploy.Stdout);
        // Clients really reached the candidate during the steps, before the switch.
        Assert.True(load.Versions.GetValueOrDefault("v2") > 0 && load.Versions.GetValueOrDefault("v1") > 0, load.Summary);
        Assert.Equal("v2", await app.LiveVersionAsync());

        var latest = await app.LatestAsync();
        Assert.Equal("canary", latest.Kind);
        Assert.Equal("succeeded", latest.Outcome);
        var steps = latest.Steps.Select(s => s.Name).ToList();
        Assert.Equal(["canary 10%", "canary 50%"], steps.Where(s => s.StartsWith("canary", StringComparison.Ordinal)));
        Assert.Contains("switch", steps);
        Assert.All(latest.Steps.Where(s => s.Name.StartsWith("canary", StringComparison.Ordinal)), s => Assert.Contains("candidate 0.0% errors", s.Detail));
        Assert.Null((await app.StatusAsync()).Rollout);
    }

    [Fact]
    public async Task Canary_ReleaseFailingAFifth_RolledBackInFirstStep_FailuresBoundedByShare()
    {
        await using var app = await BlueGreenApp.StartAsync(FastSteps.Replace("step_time: 3s", "step_time: 60s"));
        await app.DeployOkAsync("v1");
        var live = (await app.StatusAsync()).Active!.Targets.Select(t => t.Address).ToList();
        // The next release answers 500 to a fifth of its requests.
        await app.ApplyOkAsync(app.Yaml(FastSteps.Replace("step_time: 3s", "step_time: 60s") + "\nenv:\n  FAIL_RATE: \"0.2\""));

        await using var load = TrafficLoad.Start(app.ProxyUri, app.Host, slow: 0);
        await Wait.UntilAsync(() => load.Requests > 20, "the load is flowing", TimeSpan.FromSeconds(20));
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var deploy = await app.DeployAsync("v2", "--strategy", "canary");
        clock.Stop();
        await load.StopAsync();
        output.WriteLine(deploy.ToString());
        output.WriteLine(load.Summary);

        Assert.Equal(1, deploy.ExitCode);
        Assert.Contains("Rolled back automatically at 10%", deploy.Stdout + deploy.Stderr);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(60), $"the rollback took {clock.Elapsed}, longer than the first step");
        var latest = await app.LatestAsync();
        Assert.Equal("rolled-back", latest.Outcome);
        Assert.Contains("error rate", latest.Reason);
        Assert.Contains("canary 10%", latest.Steps.Select(s => s.Name));
        Assert.DoesNotContain("canary 50%", latest.Steps.Select(s => s.Name));

        // Users saw failures only from the candidate's share: at most 10 % of all requests (a fifth of a tenth expected).
        Assert.True(load.Failures.Count > 0, "the candidate got no traffic, so nothing was judged: " + load.Summary);
        Assert.True(load.Failures.Count <= load.Requests * 0.10, $"{load.Failures.Count} failed of {load.Requests}: more than the 10 % share");
        Assert.All(load.Failures, f => Assert.Contains("500", f));

        // The live release is untouched and the candidate's containers are gone.
        Assert.Equal("v1", await app.LiveVersionAsync());
        var status = await app.StatusAsync();
        Assert.Null(status.Candidate);
        Assert.Equal(live, status.Active!.Targets.Select(t => t.Address));
        var containers = await app.ContainersAsync();
        Assert.DoesNotContain(containers, c => c.Label(Baton.Deploy.ContainerLabels.Image) == SampleImages.Image("v2"));
    }

    [Fact]
    public async Task Canary_Release200msSlower_RolledBackOnLatency()
    {
        var yaml = FastSteps.Replace("step_time: 3s", "step_time: 60s");
        await using var app = await BlueGreenApp.StartAsync(yaml);
        await app.DeployOkAsync("v1");
        await app.ApplyOkAsync(app.Yaml(yaml + "\nenv:\n  DELAY_MS: \"200\""));

        await using var load = TrafficLoad.Start(app.ProxyUri, app.Host, slow: 0);
        await Wait.UntilAsync(() => load.Requests > 20, "the load is flowing", TimeSpan.FromSeconds(20));
        var deploy = await app.DeployAsync("v2", "--strategy", "canary");
        await load.StopAsync();
        output.WriteLine(deploy.ToString());
        output.WriteLine(load.Summary);

        Assert.Equal(1, deploy.ExitCode);
        var latest = await app.LatestAsync();
        Assert.Equal("rolled-back", latest.Outcome);
        Assert.Contains("p95 latency", latest.Reason);
        Assert.True(load.Failures.Count == 0, "a slow release fails no request: " + load.Summary);
        Assert.Equal("v1", await app.LiveVersionAsync());
    }

    [Fact]
    public async Task Canary_ManualShareThenPromote_StatusShowsStepAndPauses()
    {
        var yaml = FastSteps.Replace("step_time: 3s", "step_time: 120s");
        await using var app = await BlueGreenApp.StartAsync(yaml);
        await app.DeployOkAsync("v1");

        var deploy = app.DeployInBackground("v2", "--strategy", "canary");
        var step = await app.WaitForStepAsync(1);
        Assert.Equal("canary", step.Strategy);
        Assert.Equal(10, step.Percent);
        var shown = await app.CliAsync("status");
        Assert.Contains($"canary of {SampleImages.Image("v2")}: step 1/3 at 10 %", shown.Stdout);

        var manual = await app.CliAsync("canary", app.Name, "--percent", "30");
        Assert.True(manual.ExitCode == 0, manual.ToString());
        await Wait.UntilAsync(async () => (await app.StatusAsync()).Rollout is { Paused: true, Percent: 30 }, "the canary pauses at the share set by hand", TimeSpan.FromSeconds(10));

        var promote = await app.CliAsync("promote", app.Name);
        Assert.True(promote.ExitCode == 0, promote.ToString());
        var finished = await Wait.ForAsync(deploy, "the deploy ends", TimeSpan.FromSeconds(60));
        Assert.True(finished.ExitCode == 0, finished.ToString());
        Assert.Equal("v2", await app.LiveVersionAsync());
        var latest = await app.LatestAsync();
        Assert.Equal("succeeded", latest.Outcome);
        Assert.Contains(latest.Steps, s => s.Name == "canary 10%" && s.Detail!.Contains("promoted by", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Canary_Abort_RollsBackAndLiveUntouched()
    {
        var yaml = FastSteps.Replace("step_time: 3s", "step_time: 120s");
        await using var app = await BlueGreenApp.StartAsync(yaml);
        await app.DeployOkAsync("v1");

        var deploy = app.DeployInBackground("v2", "--strategy", "canary", "--steps", "20,100");
        await app.WaitForStepAsync(1);
        var abort = await app.CliAsync("abort", app.Name);
        Assert.True(abort.ExitCode == 0, abort.ToString());
        Assert.Contains("Aborted by", abort.Stdout);
        var finished = await Wait.ForAsync(deploy, "the deploy ends", TimeSpan.FromSeconds(60));
        Assert.Equal(1, finished.ExitCode);
        Assert.Equal("aborted", (await app.LatestAsync()).Outcome);
        Assert.Equal("v1", await app.LiveVersionAsync());
        Assert.Null((await app.StatusAsync()).Candidate);
    }

    [Fact]
    public async Task Canary_BadOptions_RefusedAndNothingStarts()
    {
        await using var app = await BlueGreenApp.StartAsync();
        await app.DeployOkAsync("v1");

        var badSteps = await app.DeployAsync("v2", "--strategy", "canary", "--steps", "50,20,100");
        Assert.Equal(2, badSteps.ExitCode);
        Assert.Contains("must rise", badSteps.Stderr);
        var noHundred = await app.DeployAsync("v2", "--strategy", "canary", "--steps", "5,25");
        Assert.Contains("last step must be 100", noHundred.Stderr);
        var unknown = await app.DeployAsync("v2", "--strategy", "sideways");
        Assert.Contains("Unknown strategy 'sideways'", unknown.Stderr);
        var hold = await app.DeployAsync("v2", "--strategy", "canary", "--hold");
        Assert.Equal(2, hold.ExitCode);

        Assert.Single(await app.ContainersAsync());
        Assert.Equal("v1", await app.LiveVersionAsync());
    }
}
