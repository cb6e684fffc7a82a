using Baton.Deploy;
using Baton.FunctionalTests.Infrastructure;

namespace Baton.FunctionalTests.Deploy;

/// <summary>
/// <c>baton server</c> killed with SIGKILL in the middle of a deploy, then started again on the
/// same data directory: the deployment is rolled back (before the switch) or finished (after it).
/// Each test has a server process of its own, started on a new data directory.
/// </summary>
public abstract class CrashRecoveryFixture : IAsyncLifetime
{
    protected readonly string _data = RouterHost.NewDataDirectory();
    protected readonly int _proxyPort = ServerProcess.FreePort(), _adminPort = ServerProcess.FreePort(), _stagingPort = ServerProcess.FreePort();
    protected ServerProcess _server = null!;

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

    protected async Task RestartAsync()
    {
        await _server.DisposeAsync();
        _server = await ServerProcess.StartAsync(_data, _proxyPort, _adminPort, _stagingPort);
    }
}

/// <summary>A stop or a restart with a deploy in the watch, waiting for health or held.</summary>
public sealed class CrashRecoveryTests : CrashRecoveryFixture
{
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
}
