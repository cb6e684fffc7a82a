using System.Text.Json;
using Baton.Contracts;
using Baton.FunctionalTests.Deploy;
using Baton.FunctionalTests.Infrastructure;

namespace Baton.FunctionalTests.Api;

/// <summary><c>GET /api/services/{name}/releases</c> and <c>baton releases</c> on the real engine.</summary>
public sealed class ReleasesTests
{
    [Fact]
    public async Task ThreeDeploysKeepOne_LiveKeptGone_ThenRollbackToTheGoneOneMakesItLive()
    {
        await using var app = await BlueGreenApp.StartAsync("keep: 1");
        var empty = await app.CliAsync("releases", app.Name);
        Assert.True(empty.ExitCode == 0, empty.ToString());
        Assert.Contains("no releases yet", empty.Stdout);

        await app.DeployOkAsync("v1");
        await app.DeployOkAsync("v2");
        await app.DeployOkAsync("v3");
        var ids = (await app.HistoryAsync()).Deployments.ToDictionary(d => d.Image[(d.Image.LastIndexOf(':') + 1)..], d => d.Release);
        var containers = await app.ContainersAsync();
        var liveColour = Assert.Single(containers, c => c.Running()).Label("baton.color");

        var listed = await app.CliAsync("releases", app.Name, "--json");
        Assert.True(listed.ExitCode == 0, listed.ToString());
        var releases = JsonSerializer.Deserialize(listed.Stdout, BatonJson.Default.ReleasesResponse)!;
        Assert.Equal(app.Name, releases.Service);
        Assert.Equal([ids["v3"], ids["v2"], ids["v1"]], releases.Releases.Select(r => r.Release));
        Assert.Equal(["live", "kept", "gone"], releases.Releases.Select(r => r.State));
        Assert.Equal([SampleImages.Image("v3"), SampleImages.Image("v2"), SampleImages.Image("v1")], releases.Releases.Select(r => r.Image));
        Assert.Equal(liveColour, releases.Releases[0].Color);
        Assert.NotEqual(liveColour, releases.Releases[1].Color); // kept on the other colour
        Assert.All(releases.Releases, r => Assert.Contains("sha256:", r.Digest));
        Assert.All(releases.Releases, r => Assert.Equal("admin", r.DeployedBy));
        Assert.True(releases.Releases[0].DeployedAt > releases.Releases[1].DeployedAt && releases.Releases[1].DeployedAt > releases.Releases[2].DeployedAt);

        // The table names each state beside its release.
        var table = await app.CliAsync("releases", app.Name);
        Assert.True(table.ExitCode == 0, table.ToString());
        var lines = table.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("RELEASE", lines[0]);
        Assert.Matches($@"^{ids["v3"]}\s+live\s+{liveColour}\s+{System.Text.RegularExpressions.Regex.Escape(SampleImages.Image("v3"))}\s", lines[1]);
        Assert.Matches($@"^{ids["v2"]}\s+kept\s", lines[2]);
        Assert.Matches($@"^{ids["v1"]}\s+gone\s", lines[3]);

        // The gone release comes back by its id (recreated), and is then the live one, listed first.
        var back = await app.CliAsync("rollback", app.Name, "--to", ids["v1"]);
        Assert.True(back.ExitCode == 0, back.ToString());
        Assert.Equal("v1", await app.LiveVersionAsync());
        var after = JsonSerializer.Deserialize((await app.CliAsync("releases", app.Name, "--json")).Stdout, BatonJson.Default.ReleasesResponse)!;
        Assert.Equal(ids["v1"], after.Releases[0].Release);
        Assert.Equal("live", after.Releases[0].State);
        Assert.Equal(1, after.Releases.Count(r => r.State == "live"));
        Assert.Equal(3, after.Releases.Count);
    }

    [Fact]
    public async Task UnknownService_404OneSentence_CliExit5()
    {
        await using var app = await BlueGreenApp.StartAsync();
        var (status, body) = await app.ApiAsync(HttpMethod.Get, "api/services/ghost-service/releases");
        Assert.Equal(404, status);
        Assert.Contains("There is no service named ghost-service", JsonSerializer.Deserialize(body, BatonJson.Default.ApiError)!.Error);
        var cli = await app.CliAsync("releases", "ghost-service");
        Assert.Equal(5, cli.ExitCode);
        BatonCli.AssertOneSentence(cli);
    }
}
