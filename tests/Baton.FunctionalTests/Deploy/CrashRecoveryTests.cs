using Baton.Deploy;
using Baton.FunctionalTests.Infrastructure;

namespace Baton.FunctionalTests.Deploy;

/// <summary>
/// <c>baton server</c> killed with SIGKILL in the middle of a deploy, then started again on the
/// same data directory: the deployment is rolled back (before the switch) or finished (after it).
/// </summary>
public sealed class CrashRecoveryTests : IAsyncLifetime
{
    private readonly string _data = RouterHost.NewDataDirectory();
    private readonly int _proxyPort = ServerProcess.FreePort(), _adminPort = ServerProcess.FreePort(), _stagingPort = ServerProcess.FreePort();
    private ServerProcess _server = null!;

    public async Task InitializeAsync() => _server = await ServerProcess.StartAsync(_data, _proxyPort, _adminPort, _stagingPort);

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        try
        {
            Directory.Delete(_data, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private async Task RestartAsync()
    {
        await _server.DisposeAsync();
        _server = await ServerProcess.StartAsync(_data, _proxyPort, _adminPort, _stagingPort);
    }

    /// <summary>
    /// The live release died with its host's engine (a reboot): its containers are gone, so during the
    /// watch after the switch the old release cannot be kept warm. The watch ends with the standby still
    /// unhealthy; the deploy is a success, not "an unexpected error" (the controller's call to its router
    /// process is cancelled at the watch's end, which the in-process router never showed).
    /// </summary>
    [Fact]
    public async Task OldReleaseDead_WatchEndsWithItsStandbyUnhealthy_DeploySucceeds()
    {
        await using var app = await BlueGreenApp.ForProcessAsync(_server);
        await app.DeployOkAsync("v1");
        foreach (var c in (await app.ContainersAsync()).Where(c => c.Running()))
            await SampleImages.RunAsync("docker", ["rm", "-f", c.Id], TimeSpan.FromSeconds(30));
        await app.ApplyOkAsync(app.Yaml(watch: "2s"));

        var deployed = await app.DeployAsync("v2");

        Assert.True(deployed.ExitCode == 0, deployed.ToString());
        Assert.DoesNotContain("unexpected error", deployed.Stdout + deployed.Stderr);
        Assert.Equal("v2", await app.LiveVersionAsync());
        Assert.Equal("succeeded", (await app.LatestAsync()).Outcome);
    }

    [Fact]
    public async Task Server_SigtermWhileWaitingForHealth_CliExit4OneSentence_HistorySaysStoppedDuringHealthy()
    {
        await using var app = await BlueGreenApp.ForProcessAsync(_server);
        await app.DeployOkAsync("v1");
        await app.ApplyOkAsync(app.Yaml(passes: 30));

        using (var deploy = BatonCli.Start(app.CliEnvironment, "deploy", app.Name, "--image", SampleImages.Image("v2")))
        {
            await deploy.WaitForOutputAsync("Containers started", TimeSpan.FromSeconds(30));
            await _server.TerminateAsync();
            var cut = await deploy.EndAsync(TimeSpan.FromSeconds(30));
            Assert.True(cut.ExitCode == 4, cut.ToString());
            Assert.Contains("Baton stopped during healthy", cut.Stderr);
            Assert.DoesNotContain("   at ", cut.Stderr + cut.Stdout);
            Assert.DoesNotContain("Exception", cut.Stderr + cut.Stdout);
        }

        await RestartAsync();
        await Wait.UntilAsync(async () => (await app.LatestAsync()).Outcome != "running", "the interrupted deployment is recovered", TimeSpan.FromSeconds(30));
        var recovered = await app.LatestAsync();
        Assert.Equal("rolled-back", recovered.Outcome);
        Assert.Contains("Baton stopped during healthy", recovered.Reason);
        Assert.DoesNotContain("never became healthy", recovered.Reason);
        await app.WaitLiveAsync("v1");
    }

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
    public async Task Server_RestartedWithAHeldDeploy_CandidateDiscardedLiveUntouchedHistorySaysWhy()
    {
        await using var app = await BlueGreenApp.ForProcessAsync(_server);
        await app.DeployOkAsync("v1");
        await app.DeployOkAsync("v2", "--hold");
        Assert.Equal("v2", await app.StagingVersionAsync("green"));

        await RestartAsync();
        await Wait.UntilAsync(async () => (await app.LatestAsync()).Outcome != "held", "the held deployment is settled", TimeSpan.FromSeconds(30));
        var settled = await app.LatestAsync();
        Assert.Equal("rolled-back", settled.Outcome);
        Assert.Contains("held", settled.Reason);
        await app.WaitLiveAsync("v1");
        var left = await app.ContainersAsync();
        Assert.True(left.Count == 1 && left[0].Running(), EngineContainers.Describe(left));
        await app.DeployOkAsync("v3");
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
