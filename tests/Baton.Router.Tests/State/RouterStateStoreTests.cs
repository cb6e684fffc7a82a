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

    [Fact]
    public void StopSaving_LaterChangesApplyButLeaveTheFileAsItWas()
    {
        var file = Path.Combine(Directory.CreateTempSubdirectory("baton-state-").FullName, "router-state.json");
        try
        {
            using var state = new RoutingState(new RouterStateStore(file), TimeProvider.System, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);
            state.Set("web", new ServiceEntry { Name = "web", Active = new TargetPool([new Target(new TargetAddress("127.0.0.1", 5001))]) });
            var saved = File.ReadAllText(file);
            Assert.Contains("\"web\"", saved, StringComparison.Ordinal);

            // A handover gave the file to the next router process: a change this one still makes stays in memory.
            state.StopSaving();
            state.Set("api", new ServiceEntry { Name = "api", Active = new TargetPool([new Target(new TargetAddress("127.0.0.1", 5002))]) });
            Assert.True(state.Current.Services.ContainsKey("api"));
            Assert.Equal(saved, File.ReadAllText(file));
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(file)!, recursive: true);
        }
    }
}
