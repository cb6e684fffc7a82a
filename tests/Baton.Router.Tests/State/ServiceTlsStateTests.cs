using Baton.Router.Routing;
using Baton.Router.State;
using Baton.Router.Targets;

namespace Baton.Router.Tests.State;

/// <summary>A service's TLS settings survive a router restart (router-state.json), and a file without them reads as off.</summary>
public sealed class ServiceTlsStateTests
{
    [Theory]
    [InlineData(false, false, false)]
    [InlineData(true, false, false)]
    [InlineData(true, true, true)]
    public void SaveLoad_Tls_RoundTrips(bool auto, bool redirect, bool hsts)
    {
        var file = Path.Combine(Directory.CreateTempSubdirectory("baton-state-").FullName, "router-state.json");
        try
        {
            var tls = new ServiceTls(auto, redirect, hsts);
            var store = new RouterStateStore(file);
            store.Save(new RouteTable(new Dictionary<string, ServiceEntry>
            {
                ["web"] = new() { Name = "web", Active = new TargetPool([new Target(new TargetAddress("127.0.0.1", 5001))]), Tls = tls },
            }, 1));
            Assert.Equal(tls, Assert.Single(store.Load(TimeProvider.System)).Tls);
            // Off is not written at all, so a state file of an earlier Baton reads the same.
            Assert.Equal(auto, File.ReadAllText(file).Contains("\"tls\"", StringComparison.Ordinal));
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(file)!, recursive: true);
        }
    }
}
