using Baton.Deploy.Store;

namespace Baton.Deploy.Tests;

public sealed class ReleaseListTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 21, 12, 0, 0, TimeSpan.Zero);

    private static DeploymentRecord Deployed(long id, string kind, string release, string color, int minutes, string author = "alice") =>
        new(id, "shop", kind, $"127.0.0.1:5000/shop:{release}", $"sha256:{id}", color, author, T0.AddMinutes(minutes), T0.AddMinutes(minutes + 1), Outcomes.Succeeded, null, release, []);

    private static ReleaseContainer Web(string release, string color, bool running) =>
        new($"id-{release}", $"shop-{color}-{release}-1", release, ContainerLabels.Web, color, "127.0.0.1:1", running, T0);

    [Fact]
    public void LiveKeptGone_NewestFirst_ByTheirLastTimeLive()
    {
        // r1 → r2 → r3 deployed, then a rollback made r1 live again; r2 was pruned, r3 is kept.
        var history = new[]
        {
            Deployed(4, "rollback", "r1", "green", 30, author: "bob"),
            Deployed(3, "deploy", "r3", "blue", 20),
            Deployed(2, "deploy", "r2", "green", 10),
            Deployed(1, "deploy", "r1", "blue", 0),
        };
        var containers = new[] { Web("r1", "green", running: true), Web("r3", "blue", running: false), new ReleaseContainer("w", "shop-worker-r3-1", "r3", ContainerLabels.Worker, "blue", null, false, T0) };

        var releases = ReleaseList.Build(history, containers, liveRelease: "r1");

        Assert.Equal(["r1", "r3", "r2"], releases.Select(r => r.Release));
        Assert.Equal([ReleaseStates.Live, ReleaseStates.Kept, ReleaseStates.Gone], releases.Select(r => r.State));
        Assert.Equal(["green", "blue", "green"], releases.Select(r => r.Color));
        Assert.Equal("bob", releases[0].DeployedBy);
        Assert.Equal(T0.AddMinutes(31), releases[0].DeployedAt);
    }

    [Fact]
    public void OnlyWorkersLeft_IsGone_AndNoLivePoolMeansNoneLive()
    {
        var history = new[] { Deployed(1, "deploy", "r1", "blue", 0) };
        var containers = new[] { new ReleaseContainer("w", "shop-worker-r1-1", "r1", ContainerLabels.Worker, "blue", null, true, T0) };
        var release = Assert.Single(ReleaseList.Build(history, containers, liveRelease: null));
        Assert.Equal(ReleaseStates.Gone, release.State);
    }
}
