using Baton.Router.Routing;
using Baton.Router.State;
using Baton.Router.Targets;

namespace Baton.Router.Tests.State;

/// <summary>The live pool's release survives a router restart (router-state.json), and a file from before releases were kept loads without one.</summary>
public sealed class PoolReleaseStateTests : IDisposable
{
    private readonly string _file = Path.Combine(Directory.CreateTempSubdirectory("baton-state-").FullName, "router-state.json");

    public void Dispose() => Directory.Delete(Path.GetDirectoryName(_file)!, recursive: true);

    private static Target At(int port) => new(new TargetAddress("127.0.0.1", port));

    private TargetPool SaveLoad(TargetPool active)
    {
        var store = new RouterStateStore(_file);
        store.Save(new RouteTable(new Dictionary<string, ServiceEntry> { ["web"] = new() { Name = "web", Active = active } }, 1));
        return Assert.Single(store.Load(TimeProvider.System)).Active!;
    }

    [Theory]
    [InlineData("r2")]
    [InlineData(null)]
    public void SaveLoad_PoolRelease_RoundTrips(string? release)
    {
        var back = SaveLoad(new TargetPool([At(5001), At(5002)], "green", release: release));

        Assert.Equal(release, back.Release);
        Assert.Equal("green", back.Name);
        Assert.All(back.Targets, t => Assert.Equal(release, back.ReleaseOf(t)));
        Assert.Equal(release is not null, File.ReadAllText(_file).Contains("\"activeRelease\"", StringComparison.Ordinal));
    }

    [Fact]
    public void SaveLoad_PoolMidRollingDeploy_EachTargetKeepsItsRelease()
    {
        var back = SaveLoad(TargetPool.Of([(At(5001), "r1"), (At(5002), "r2")], "blue"));

        Assert.Null(back.Release);
        Assert.Equal(["r1", "r2"], back.Targets.Select(back.ReleaseOf));
    }

    [Fact]
    public void Load_FileFromBeforeReleasesWereKept_LoadsWithNoRelease()
    {
        File.WriteAllText(_file, """
            {
              "format": 1,
              "services": [
                {
                  "name": "web",
                  "hosts": ["shop.example.com"],
                  "path": "/",
                  "health": { "path": "/health", "intervalSeconds": 1, "timeoutSeconds": 5, "passes": 2, "failures": 3, "ejectAfter": 3 },
                  "drainTimeoutSeconds": 30,
                  "active": [ { "address": "127.0.0.1:5001", "weight": 1 } ],
                  "activeName": "blue",
                  "canaryPercent": 0
                }
              ]
            }
            """);

        var web = Assert.Single(new RouterStateStore(_file).Load(TimeProvider.System));

        Assert.Equal("blue", web.Active!.Name);
        Assert.Equal("127.0.0.1:5001", Assert.Single(web.Active.Targets).Authority);
        Assert.Null(web.Active.Release);
    }
}
