using Xunit.Abstractions;
using Baton.Deploy;
using Baton.FunctionalTests.Infrastructure;

namespace Baton.FunctionalTests.Deploy;

/// <summary>Blue-green deploys of the sample app's images through the real CLI, server and Docker engine.</summary>
public sealed class DeployTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Deploy_V1ThenV2_TrafficMovesContainersLabelledOldColourStoppedAndKept()
    {
        await using var app = await BlueGreenApp.StartAsync();

        var first = await app.DeployOkAsync("v1");
        Assert.Contains("Containers started", first.Stdout);
        Assert.Contains("Switched", first.Stdout);
        Assert.Contains($"✓ {app.Name} is live on blue", first.Stdout);
        Assert.Equal("v1", await app.LiveVersionAsync());

        var v1 = Assert.Single(await app.ContainersAsync());
        Assert.True(v1.Running(), v1.State);
        Assert.Equal(app.Name, v1.Label(ContainerLabels.Service));
        Assert.Equal("blue", v1.Label(ContainerLabels.Color));
        Assert.Equal("web", v1.Label(ContainerLabels.Role));
        Assert.Equal(SampleImages.Image("v1"), v1.Label(ContainerLabels.Image));
        Assert.Matches(@"^r\d+$", v1.Label(ContainerLabels.Release));
        Assert.Matches(@"^127\.0\.0\.1:\d+$", v1.Label(ContainerLabels.Target));

        var second = await app.DeployOkAsync("v2");
        Assert.Contains($"✓ {app.Name} is live on green", second.Stdout);
        Assert.Contains("Old containers stopped (kept for rollback)", second.Stdout);
        Assert.Equal("v2", await app.LiveVersionAsync());

        var all = await app.ContainersAsync();
        Assert.True(all.Count == 2, EngineContainers.Describe(all));
        var v2 = all.Single(c => c.Id != v1.Id);
        Assert.True(v2.Running(), v2.State);
        Assert.Equal("green", v2.Label(ContainerLabels.Color));
        Assert.Equal(SampleImages.Image("v2"), v2.Label(ContainerLabels.Image));
        Assert.NotEqual(v1.Label(ContainerLabels.Release), v2.Label(ContainerLabels.Release));
        var kept = all.Single(c => c.Id == v1.Id);
        Assert.False(kept.Running(), $"the old colour still runs: {EngineContainers.Describe(all)}");

        var history = await app.HistoryAsync();
        Assert.All(history.Deployments, d => Assert.Equal("succeeded", d.Outcome));
        Assert.Equal([SampleImages.Image("v2"), SampleImages.Image("v1")], history.Deployments.Select(d => d.Image));
    }

    [Fact]
    public async Task Deploy_UnderNonRetryingLoad_ZeroFailedRequests()
    {
        await using var app = await BlueGreenApp.StartAsync();
        await app.DeployOkAsync("v1");

        await using var load = TrafficLoad.Start(app.ProxyUri, app.Host);
        await Wait.UntilAsync(() => load.Requests > 20, "the load is flowing", TimeSpan.FromSeconds(20));
        await app.DeployOkAsync("v2");
        // Keep the load on the new colour a moment, through the old one's stop.
        var after = load.Requests;
        await Wait.UntilAsync(() => load.Requests > after + 20, "the load goes on after the deploy", TimeSpan.FromSeconds(20));
        await load.StopAsync();
        output.WriteLine(load.Summary);

        Assert.True(load.Failures.Count == 0, load.Summary);
        Assert.True(load.Versions.ContainsKey("v1") && load.Versions.ContainsKey("v2"), load.Summary);
        Assert.Equal("v2", await app.LiveVersionAsync());
    }
}
