using Baton.Deploy;
using Baton.FunctionalTests.Infrastructure;

namespace Baton.FunctionalTests.Deploy;

/// <summary><c>baton rollback</c> from kept containers, to the previous release and to a named one.</summary>
public sealed class RollbackTests
{
    [Fact]
    public async Task Rollback_ToPreviousThenToNamedRelease_InstantFromKeptContainersHistoryShowsIt()
    {
        await using var app = await BlueGreenApp.StartAsync();
        await app.DeployOkAsync("v1");
        await app.DeployOkAsync("v2");
        await app.DeployOkAsync("v3");
        var releases = (await app.HistoryAsync()).Deployments.ToDictionary(d => d.Image[(d.Image.LastIndexOf(':') + 1)..], d => d.Release);
        var kept = await app.ContainersAsync();
        Assert.True(kept.Count == 3 && kept.Count(c => c.Running()) == 1, EngineContainers.Describe(kept));

        var back = await app.CliAsync("rollback", app.Name);
        Assert.True(back.ExitCode == 0, back.ToString());
        Assert.Contains($"Rolling {app.Name} back to {releases["v2"]}", back.Stdout);
        Assert.Contains("from its kept containers", back.Stdout);
        Assert.Equal("v2", await app.LiveVersionAsync());
        var now = await app.ContainersAsync();
        Assert.Equal(kept.Select(c => c.Id).Order(), now.Select(c => c.Id).Order()); // the same containers, started again
        Assert.Equal(releases["v2"], BlueGreenApp.Release(Assert.Single(now, c => c.Running())));

        var to = await app.CliAsync("rollback", app.Name, "--to", releases["v1"]);
        Assert.True(to.ExitCode == 0, to.ToString());
        Assert.Contains("from its kept containers", to.Stdout);
        Assert.Equal("v1", await app.LiveVersionAsync());
        Assert.Equal(releases["v1"], BlueGreenApp.Release(Assert.Single(await app.ContainersAsync(), c => c.Running())));

        var history = await app.HistoryAsync();
        Assert.Equal(["rollback", "rollback", "deploy", "deploy", "deploy"], history.Deployments.Select(d => d.Kind));
        Assert.Equal([releases["v1"], releases["v2"]], history.Deployments.Take(2).Select(d => d.Release));
        Assert.All(history.Deployments, d => Assert.Equal("succeeded", d.Outcome));
        var shown = await app.CliAsync("history", app.Name);
        Assert.Equal(0, shown.ExitCode);
        Assert.Contains("rollback", shown.Stdout);
        Assert.Contains(releases["v1"], shown.Stdout);

        var unknown = await app.CliAsync("rollback", app.Name, "--to", "r999");
        Assert.True(unknown.ExitCode == 2, unknown.ToString());
        Assert.Equal("v1", await app.LiveVersionAsync());
    }
}
