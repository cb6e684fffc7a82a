using Baton.Contracts;
using Baton.Deploy;
using Baton.Deploy.Rollouts;
using Baton.Router;
using Baton.Router.Metrics;
using Baton.Router.Targets;
using Baton.Router.Rollout;
using Baton.Router.Routing;

namespace Baton.Server.Deployments;

/// <summary>The deployer's view of the router when both run in <c>baton server</c>.</summary>
internal sealed class InProcessRouterControl(RoutingState state, PoolRollout rollout, RouterAdmin admin, Func<Uri?> stagingUrl) : IRouterControl
{
    public async Task<string?> StageAsync(string service, RouteSpec routes, string pool, IReadOnlyList<string> targets, TimeSpan deployTimeout, CancellationToken cancellationToken, bool standby = false)
    {
        // Targets, hosts, path and route claims are checked as for any deploy; the settings come
        // from a service file that was validated at apply, so they are taken as they are.
        var request = new DeployRequest { Targets = targets, Hosts = routes.Hosts, Path = routes.Path };
        var plan = DeployPlan.TryCreate(service, request, state.Current, out var error, routes.Staging);
        if (plan is null) return error;
        plan = plan with
        {
            Health = plan.Health with
            {
                Path = routes.HealthPath,
                Interval = routes.HealthInterval,
                Timeout = routes.HealthTimeout,
                Passes = routes.HealthPasses,
                Host = routes.HealthHost,
            },
            DeployTimeout = deployTimeout,
            DrainTimeout = routes.DrainTimeout,
            TargetTimeout = routes.TargetTimeout,
            PoolName = pool,
            Standby = standby,
        };
        return await rollout.StageAsync(plan, cancellationToken).ConfigureAwait(false);
    }

    public IDrain Switch(string service) => new Drain(rollout, rollout.Switch(service));

    public void DropCandidate(string service) => rollout.DropCandidate(service);

    public IDrain RetireCandidate(string service) => new Drain(rollout, rollout.RetireCandidate(service));

    public IDrain Merge(string service, IReadOnlyCollection<string> remove, bool addCandidate, string? poolName)
    {
        var addresses = remove.Select(a => TargetAddress.TryParse(a, out var t, out _) ? t : default).ToHashSet();
        return new Drain(rollout, rollout.Merge(service, addresses, addCandidate, poolName));
    }

    public string? SetCanary(string service, double percent) => admin.SetCanary(service, percent);

    public double CanaryPercent(string service) =>
        state.Current.Services.TryGetValue(service, out var s) && s.Candidate is not null ? s.CanaryPercent : 0;

    public PoolNumbers Numbers(string service, IReadOnlyCollection<string> targets, int seconds)
    {
        if (!state.Current.Services.TryGetValue(service, out var s)) return PoolNumbers.None;
        var pools = new[] { s.Active, s.Candidate };
        var metrics = pools.SelectMany(p => p?.Targets ?? []).Where(t => targets.Contains(t.Authority)).Select(t => t.Metrics);
        var w = TargetMetrics.Aggregate(metrics, seconds);
        return new PoolNumbers(w.Requests, w.Errors, w.P95Seconds * 1000);
    }

    public LivePool? Live(string service) =>
        state.Current.Services.TryGetValue(service, out var s) && s.Active is { } active
            ? new LivePool(active.Name, active.Targets.Select(t => t.Authority).ToList())
            : null;

    public (Uri? StagingUrl, string? StagingHost) Staging(string service, string pool) =>
        (stagingUrl(), state.Current.Services.TryGetValue(service, out var s) ? s.StagingHosts(pool).FirstOrDefault() : null);

    private sealed class Drain(PoolRollout rollout, SwitchResult switched) : IDrain
    {
        public Task<int> WaitAsync(CancellationToken cancellationToken) => rollout.DrainAsync(switched);
    }
}
