using Baton.Deploy;
using Baton.FunctionalTests.Infrastructure;

namespace Baton.FunctionalTests.Deploy;

/// <summary>SIGKILL before the switch, after it and during the release task; the next start rolls back or finishes (beside <see cref="CrashRecoveryTests"/>, so that the two run side by side).</summary>
public sealed class CrashRecoveryKilledTests : CrashRecoveryFixture
{
    [Fact]
    public async Task Server_KilledWhileWaitingForHealth_RestartRollsBackNoOrphanLiveUntouched()
    {
        await using var app = await BlueGreenApp.ForProcessAsync(_server);
        await app.DeployOkAsync("v1");
        var v1 = Assert.Single(await app.ContainersAsync());
        // Many passes make the health step last seconds, long enough to kill the server inside it.
        await app.ApplyOkAsync(app.Yaml(passes: 30));

        long interrupted;
        using (var deploy = BatonCli.Start(app.CliEnvironment, "deploy", app.Name, "--image", SampleImages.Image("v2")))
        {
            await deploy.WaitForOutputAsync("Containers started", TimeSpan.FromSeconds(30));
            await _server.KillAsync();
            var cut = await deploy.EndAsync(TimeSpan.FromSeconds(30));
            Assert.True(cut.ExitCode != 0, cut.ToString());
        }
        var orphaned = await app.ContainersAsync();
        Assert.True(orphaned.Count == 2, "the killed deploy had started its container: " + EngineContainers.Describe(orphaned));

        await RestartAsync();
        await Wait.UntilAsync(async () => (await app.LatestAsync()).Outcome != "running", "the interrupted deployment is recovered", TimeSpan.FromSeconds(30));
        var recovered = await app.LatestAsync();
        interrupted = recovered.Id;
        Assert.Equal("rolled-back", recovered.Outcome);
        Assert.Contains("Baton stopped during healthy", recovered.Reason);
        Assert.Contains("rolled back", recovered.Reason);

        var left = await app.ContainersAsync();
        Assert.True(left.Count == 1 && left[0].Id == v1.Id && left[0].Running(), EngineContainers.Describe(left));
        await app.WaitLiveAsync("v1");

        await app.ApplyOkAsync(app.Yaml());
        await app.DeployOkAsync("v3");
        Assert.Equal("v3", await app.LiveVersionAsync());
        Assert.Contains((await app.HistoryAsync()).Deployments, d => d.Id == interrupted && d.Outcome == "rolled-back");
    }

    [Fact]
    public async Task Server_KilledAfterTheSwitch_RestartFinishesTheDeployment()
    {
        await using var app = await BlueGreenApp.ForProcessAsync(_server);
        await app.ApplyOkAsync(app.Yaml(drain: "30s"));
        await app.DeployOkAsync("v1");
        var v1 = Assert.Single(await app.ContainersAsync());

        // A long request on v1 keeps the drain step going after the switch.
        var slow = RawHttp.SendAsync(app.ProxyUri, "GET", "/slow?ms=20000", app.Host);
        await Task.Delay(300);
        using (var deploy = BatonCli.Start(app.CliEnvironment, "deploy", app.Name, "--image", SampleImages.Image("v2")))
        {
            await deploy.WaitForOutputAsync("Switched", TimeSpan.FromSeconds(30));
            await _server.KillAsync();
            await deploy.EndAsync(TimeSpan.FromSeconds(30));
        }
        await Assert.ThrowsAnyAsync<Exception>(() => slow); // the router that carried it is gone

        await RestartAsync();
        await Wait.UntilAsync(async () => (await app.LatestAsync()).Outcome != "running", "the interrupted deployment is recovered", TimeSpan.FromSeconds(30));
        var recovered = await app.LatestAsync();
        Assert.Equal("succeeded", recovered.Outcome);
        Assert.Contains("Finished after a restart", recovered.Reason);
        await app.WaitLiveAsync("v2");

        var all = await app.ContainersAsync();
        Assert.True(all.Count == 2, EngineContainers.Describe(all));
        Assert.False(all.Single(c => c.Id == v1.Id).Running(), "the old colour is stopped: " + EngineContainers.Describe(all));
        Assert.True(all.Single(c => c.Id != v1.Id).Running(), EngineContainers.Describe(all));

        // And the next deploy works, on the colour the old release left.
        await app.ApplyOkAsync(app.Yaml());
        var next = await app.DeployOkAsync("v3");
        Assert.Contains("as blue", next.Stdout);
        Assert.Equal("v3", await app.LiveVersionAsync());
    }

    [Fact]
    public async Task Server_KilledDuringTheReleaseTask_RestartRemovesTaskAndNewContainers()
    {
        await using var app = await BlueGreenApp.ForProcessAsync(_server);
        await app.DeployOkAsync("v1");
        var v1 = Assert.Single(await app.ContainersAsync());
        // `work` never ends on its own: a release task that is still running when the server dies.
        await app.ApplyOkAsync(app.Yaml("release_task:\n  command: [work]\n  timeout: 60s"));

        using (var deploy = BatonCli.Start(app.CliEnvironment, "deploy", app.Name, "--image", SampleImages.Image("v2")))
        {
            await deploy.WaitForOutputAsync("Healthy", TimeSpan.FromSeconds(30));
            await Wait.UntilAsync(async () => (await app.ContainersAsync()).Any(c => c.Label(ContainerLabels.Role) == ContainerLabels.Task && c.Running()), "the release task runs");
            await _server.KillAsync();
            await deploy.EndAsync(TimeSpan.FromSeconds(30));
        }

        await RestartAsync();
        await Wait.UntilAsync(async () => (await app.LatestAsync()).Outcome != "running", "the interrupted deployment is recovered", TimeSpan.FromSeconds(30));
        var recovered = await app.LatestAsync();
        Assert.Equal("rolled-back", recovered.Outcome);
        Assert.Contains("during release-task", recovered.Reason);
        var left = await app.ContainersAsync();
        Assert.True(left.Count == 1 && left[0].Id == v1.Id && left[0].Running(), EngineContainers.Describe(left));
        await app.WaitLiveAsync("v1");
    }
}
