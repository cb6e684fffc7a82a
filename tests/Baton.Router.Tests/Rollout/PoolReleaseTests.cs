using Baton.Router.Health;
using Baton.Router.Rollout;
using Baton.Router.Routing;
using Baton.Router.State;
using Baton.Router.Targets;
using Baton.Router.Tests.Testing;
using Microsoft.Extensions.Logging.Abstractions;

namespace Baton.Router.Tests.Rollout;

/// <summary>
/// A pool keeps the release it was staged with through the switch; a rolling deploy's merge keeps
/// each target's own, so the pool names one release only once the old one has left it.
/// </summary>
public sealed class PoolReleaseTests : IDisposable
{
    private readonly ManualTimeProvider _clock = new();
    private readonly string _dir = Directory.CreateTempSubdirectory("baton-release-").FullName;
    private readonly RoutingState _state;
    private readonly PoolRollout _rollout;

    public PoolReleaseTests()
    {
        _state = new RoutingState(new RouterStateStore(Path.Combine(_dir, "state.json")), _clock, NullLogger.Instance);
        _rollout = new PoolRollout(_state, NullLogger<PoolRollout>.Instance);
    }

    public void Dispose()
    {
        _state.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    private static Target Healthy(int port) => new(new TargetAddress("127.0.0.1", port), 1, TargetHealth.Healthy);

    private ServiceEntry Web => _state.Current.Services["web"];

    [Fact]
    public async Task StageThenSwitch_PlanWithRelease_ActivePoolAndStatusNameIt()
    {
        var live = Healthy(5001);
        _state.Set("web", new ServiceEntry { Name = "web", Active = new TargetPool([live], "blue", release: "r1") });
        // The live target is healthy already, so the stage needs no probe.
        var plan = new DeployPlan("web", [live.Address], [], "/", new HealthCheckOptions(), TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(1), PoolName: "green", Release: "r2");

        Assert.Null(await _rollout.StageAsync(plan, CancellationToken.None));
        Assert.Equal("r2", Web.Candidate!.Release);
        Assert.Equal("r2", new RouterAdmin(_state).Status("web")!.Candidate!.Release);
        _rollout.Switch("web");

        Assert.Equal("r2", Web.Active!.Release);
        Assert.Equal("green", Web.Active.Name);
    }

    [Fact]
    public void Merge_RollingBatches_PoolHasNoReleaseWhileMixedThenTheNewOne()
    {
        Target old1 = Healthy(5001), old2 = Healthy(5002), new1 = Healthy(5003), new2 = Healthy(5004);
        _state.Set("web", new ServiceEntry
        {
            Name = "web",
            Active = new TargetPool([old1, old2], "blue", release: "r1"),
            Candidate = new TargetPool([new1], "blue", release: "r2"),
        });

        _rollout.Merge("web", [old1.Address], addCandidate: true, poolName: null);
        Assert.Null(Web.Active!.Release);
        Assert.Equal("r1", Web.Active.ReleaseOf(old2));
        Assert.Equal("r2", Web.Active.ReleaseOf(new1));

        _state.Set("web", Web with { Candidate = new TargetPool([new2], "green", release: "r2") });
        _rollout.Merge("web", [old2.Address], addCandidate: true, poolName: "green");
        Assert.Equal("r2", Web.Active!.Release);
        Assert.Equal("green", Web.Active.Name);
    }
}
