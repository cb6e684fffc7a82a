using Baton.Deploy;
using Baton.FunctionalTests.Infrastructure;

namespace Baton.FunctionalTests.Deploy;

/// <summary><c>baton rollback</c> to a release on the live colour, kept or pruned.</summary>
public sealed class RollbackLiveColourTests
{
    [Fact]
    public async Task Rollback_ToReleaseOnTheLiveColourAndToPrunedRelease_BothServeAgain()
    {
        // keep: 1 — after v3 only v2 is kept; v1's containers are removed and must be recreated.
        await using var app = await BlueGreenApp.StartAsync("keep: 1");
        await app.DeployOkAsync("v1");
        await app.DeployOkAsync("v2");
        await app.DeployOkAsync("v3");
        var releases = (await app.HistoryAsync()).Deployments.ToDictionary(d => d.Image[(d.Image.LastIndexOf(':') + 1)..], d => d.Release);
        var all = await app.ContainersAsync();
        Assert.DoesNotContain(all, c => BlueGreenApp.Release(c) == releases["v1"]);

        var recreated = await app.CliAsync("rollback", app.Name, "--to", releases["v1"]);
        Assert.True(recreated.ExitCode == 0, recreated.ToString());
        Assert.Contains("recreating its containers", recreated.Stdout);
        Assert.Equal("v1", await app.LiveVersionAsync());
        var running = Assert.Single(await app.ContainersAsync(), c => c.Running());
        Assert.Equal(releases["v1"], BlueGreenApp.Release(running));

        // v3 ran on blue and is kept; v1 now runs on the other colour. Back to v3 by name, then deploy again.
        var back = await app.CliAsync("rollback", app.Name, "--to", releases["v3"]);
        Assert.True(back.ExitCode == 0, back.ToString());
        Assert.Equal("v3", await app.LiveVersionAsync());
        await app.DeployOkAsync("v2");
        Assert.Equal("v2", await app.LiveVersionAsync());
        var end = await app.ContainersAsync();
        Assert.True(end.Count(c => c.Running()) == 1, EngineContainers.Describe(end));
    }

    [Fact]
    public async Task Rollback_ToKeptReleaseOfTheLiveColour_SwitchesAndNextDeployWorks()
    {
        await using var app = await BlueGreenApp.StartAsync();
        await app.DeployOkAsync("v1"); // blue
        await app.DeployOkAsync("v2"); // green
        await app.DeployOkAsync("v3"); // blue, live
        var releases = (await app.HistoryAsync()).Deployments.ToDictionary(d => d.Image[(d.Image.LastIndexOf(':') + 1)..], d => d.Release);

        // r1's kept containers are blue, like the live r3.
        var to = await app.CliAsync("rollback", app.Name, "--to", releases["v1"]);
        Assert.True(to.ExitCode == 0, to.ToString());
        Assert.Equal("v1", await app.LiveVersionAsync());
        var all = await app.ContainersAsync();
        Assert.True(all.Count(c => c.Running()) == 1 && BlueGreenApp.Release(all.Single(c => c.Running())) == releases["v1"], EngineContainers.Describe(all));

        await app.DeployOkAsync("v2", "--hold");
        var live = await app.LiveVersionAsync();
        Assert.Equal("v1", live);
        var promoted = await app.CliAsync("promote", app.Name);
        Assert.True(promoted.ExitCode == 0, promoted.ToString());
        Assert.Equal("v2", await app.LiveVersionAsync());
        var end = await app.ContainersAsync();
        Assert.True(end.Count(c => c.Running()) == 1, EngineContainers.Describe(end));
    }
}
