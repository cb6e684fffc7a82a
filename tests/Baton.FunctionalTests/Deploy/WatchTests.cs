using Baton.Deploy;
using Baton.FunctionalTests.Infrastructure;

namespace Baton.FunctionalTests.Deploy;

/// <summary>
/// The watch window after the switch, against the real engine and router: the old colour stays
/// warm, and a new release that dies or errs after the switch is switched away from at once.
/// </summary>
public sealed class WatchTests
{
    [Fact]
    public async Task Deploy_NewContainerDiesAfterTheSwitch_SwitchedBackToTheWarmOldColourExit1()
    {
        await using var app = await BlueGreenApp.StartAsync();
        await app.DeployOkAsync("v1");
        await app.ApplyOkAsync(app.Yaml(watch: "2m"));
        var v1 = Assert.Single(await app.ContainersAsync());

        await using var load = TrafficLoad.Start(app.ProxyUri, app.Host, fresh: 1, keptAlive: 1, echo: 0, slow: 0);
        var deploy = app.DeployAsync("v2");
        await app.WaitLiveAsync("v2", TimeSpan.FromSeconds(60));
        Assert.True(v1.Running() && (await app.ContainersAsync()).Single(c => c.Id == v1.Id).Running(), "the old colour must stay warm during the watch");
        var v2 = (await app.ContainersAsync()).Single(c => c.Id != v1.Id);
        // A crash, as the engine reports it: the container dies (its restart policy starts it again).
        var killed = await SampleImages.RunAsync("docker", ["kill", v2.Id], TimeSpan.FromSeconds(30));
        Assert.True(killed.ExitCode == 0, killed.ToString());

        var result = await deploy;
        await load.StopAsync();

        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.Contains("Rolled back after the switch", result.Stderr);
        Assert.Contains("exited with code 137", result.Stderr);
        Assert.Equal("v1", await app.LiveVersionAsync());
        var after = await app.ContainersAsync();
        Assert.True(after.Count == 1 && after[0].Id == v1.Id && after[0].Running(), EngineContainers.Describe(after));
        var latest = await app.LatestAsync();
        Assert.Equal("rolled-back", latest.Outcome);
        Assert.StartsWith("Rolled back after the switch:", latest.Reason);
        Assert.Contains(latest.Steps, s => s.Name == "watch" && s.Outcome == "failed");

        // The release that failed its watch is not a rollback target.
        var rollback = await app.CliAsync("rollback", app.Name);
        Assert.True(rollback.ExitCode != 0, rollback.ToString());
        Assert.Contains("no earlier release", rollback.Stderr);
    }

    [Fact]
    public async Task Deploy_NewReleaseErrsAfterTheSwitch_JudgedAgainstTheOldNumbersAndSwitchedBack()
    {
        await using var app = await BlueGreenApp.StartAsync();
        await app.DeployOkAsync("v1");
        // Half the new release's answers are 500 (its health checks pass): seen only once it takes traffic.
        await app.ApplyOkAsync(app.Yaml("env:\n  FAIL_RATE: \"0.5\"", watch: "2m"));
        await using var load = TrafficLoad.Start(app.ProxyUri, app.Host, fresh: 2, keptAlive: 1, echo: 0, slow: 0);
        await Wait.UntilAsync(() => load.Requests > 50, "the load is flowing", TimeSpan.FromSeconds(30));

        var result = await app.DeployAsync("v2");
        await load.StopAsync();

        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.Contains("Rolled back after the switch", result.Stderr);
        Assert.Contains("error rate", result.Stderr);
        Assert.Contains("old release before the switch", result.Stderr);
        Assert.Equal("v1", await app.LiveVersionAsync());
        Assert.Equal("rolled-back", (await app.LatestAsync()).Outcome);
    }

    [Fact]
    public async Task Deploy_WatchPasses_OldColourStoppedAfterTheWindowAndKept()
    {
        await using var app = await BlueGreenApp.StartAsync();
        await app.DeployOkAsync("v1");

        var result = await app.DeployOkAsync("v2", "--watch", "3s");

        Assert.Contains("Watching", result.Stdout);
        Assert.Contains("Watched after the switch", result.Stdout);
        Assert.Equal("v2", await app.LiveVersionAsync());
        var latest = await app.LatestAsync();
        Assert.Equal("succeeded", latest.Outcome);
        var names = latest.Steps.Select(s => s.Name).ToList();
        Assert.True(names.IndexOf("switch") < names.IndexOf("watch") && names.IndexOf("watch") < names.IndexOf("stop-old"), string.Join(", ", names));
        var all = await app.ContainersAsync();
        Assert.True(all.Count == 2 && all.Count(c => c.Running()) == 1, EngineContainers.Describe(all));
        var status = await app.ApiAsync(HttpMethod.Get, $"api/services/{app.Name}");
        Assert.DoesNotContain("\"candidate\":{", status.Body); // the warm old colour left the candidate pool
    }

    [Fact]
    public async Task Deploy_WatchZero_NoWatchStep()
    {
        await using var app = await BlueGreenApp.StartAsync();
        await app.DeployOkAsync("v1");

        await app.DeployOkAsync("v2", "--watch", "0s");

        Assert.DoesNotContain((await app.LatestAsync()).Steps, s => s.Name == "watch");
    }

    [Fact]
    public async Task Deploy_ContainerExitsWhileWaitingHealthy_FailsAtOnceWithExitCodeAndLogs()
    {
        await using var app = await BlueGreenApp.StartAsync();
        await app.DeployOkAsync("v1");
        // A GC heap limit of 4 KB: the runtime cannot start, and exits again and again under the restart policy.
        await app.ApplyOkAsync(app.Yaml("env:\n  DOTNET_GCHeapHardLimit: \"0x1000\"", deployTimeout: "5m"));

        var result = await app.DeployAsync("v2");

        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.Contains("did not start", result.Stderr);
        Assert.Contains("exited with code", result.Stderr);
        Assert.Contains("log", result.Stderr);
        Assert.DoesNotContain("never became healthy", result.Stderr);
        Assert.Contains("the live release was not touched", result.Stderr);
        Assert.Equal("v1", await app.LiveVersionAsync());
    }

    [Fact]
    public async Task LiveReleaseDiesAfterItsWatch_StatusShowsDegradedWithTheExit()
    {
        await using var app = await BlueGreenApp.StartAsync();
        await app.DeployOkAsync("v1", "--watch", "0s");
        var status = await app.CliAsync("status", app.Name);
        Assert.DoesNotContain("DEGRADED", status.Stdout);
        var live = Assert.Single(await app.ContainersAsync());

        // A crash of the live container (its restart policy starts it again).
        var killed = await SampleImages.RunAsync("docker", ["kill", live.Id], TimeSpan.FromSeconds(30));
        Assert.True(killed.ExitCode == 0, killed.ToString());

        await Wait.UntilAsync(async () => (await app.CliAsync("status", app.Name)).Stdout.Contains("DEGRADED", StringComparison.Ordinal),
            "baton status shows the service degraded", TimeSpan.FromSeconds(30));
        status = await app.CliAsync("status", app.Name);
        Assert.Contains("exited 1 time", status.Stdout);
        Assert.Contains("exit code 137", status.Stdout);
        var json = await app.ApiAsync(HttpMethod.Get, $"api/services/{app.Name}");
        Assert.Contains("\"degraded\":{", json.Body);
    }
}
