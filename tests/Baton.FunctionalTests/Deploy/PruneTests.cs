using Baton.Deploy;
using Baton.FunctionalTests.Infrastructure;

namespace Baton.FunctionalTests.Deploy;

/// <summary>Which releases are kept for rollback: the most recently live, not the most recently created.</summary>
public sealed class PruneTests
{
    [Fact]
    public async Task Deploy_AfterARollback_KeepsTheReleasesMostRecentlyLive()
    {
        await using var app = await BlueGreenApp.StartAsync(); // keep: 2 (the default)
        await app.DeployOkAsync("v1", "--watch", "0s");         // r1
        await app.DeployOkAsync("v2", "--watch", "0s");         // r2
        var back = await app.CliAsync("rollback", app.Name);   // r1 live again
        Assert.True(back.ExitCode == 0, back.ToString());
        await app.DeployOkAsync("v2", "--watch", "0s");         // r3: r1 was live just before it
        var last = await app.DeployOkAsync("v1", "--watch", "0s"); // r4

        var releases = (await app.ContainersAsync()).Select(BlueGreenApp.Release).Distinct().Order().ToList();
        // Live r4; kept r3 (live before it) and r1 (live before r3); r2, live longest ago, removed.
        Assert.True(releases.SequenceEqual(["r1", "r3", "r4"]), string.Join(", ", releases) + "\n" + last);
        Assert.Equal("r4", (await app.LatestAsync()).Release);
    }
}
