using Baton.Router.Routing;
using Baton.Router.State;
using Baton.Router.Targets;

namespace Baton.Router.Tests.State;

public sealed class RouterStateStoreTests
{
    [Theory]
    [InlineData(null)]
    [InlineData(7)]
    public void SaveLoad_TargetTimeout_RoundTrips(int? seconds)
    {
        var file = Path.Combine(Directory.CreateTempSubdirectory("baton-state-").FullName, "router-state.json");
        try
        {
            var timeout = seconds is { } s ? TimeSpan.FromSeconds(s) : (TimeSpan?)null;
            var store = new RouterStateStore(file);
            store.Save(new RouteTable(new Dictionary<string, ServiceEntry>
            {
                ["web"] = new()
                {
                    Name = "web",
                    Active = new TargetPool([new Target(new TargetAddress("127.0.0.1", 5001))]),
                    TargetTimeout = timeout,
                },
            }, 1));
            Assert.Equal(timeout, Assert.Single(store.Load(TimeProvider.System)).TargetTimeout);
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(file)!, recursive: true);
        }
    }
}
