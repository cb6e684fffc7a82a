using Baton.Contracts;
using Baton.Deploy;
using Baton.Deploy.Rollouts;
using Baton.Router;
using Baton.Router.Metrics;
using Baton.Router.Targets;
using Baton.Router.Rollout;
using Baton.Router.Routing;

namespace Baton.Server.RouterLink;

/// <summary>
/// The router's own objects, as the controller sees them: in one process (<c>baton server</c>
/// without its supervisor, and the tests), and in the router process behind its control socket.
/// </summary>
internal sealed class LocalRouter(RoutingState state, PoolRollout rollout, RouterAdmin admin, RouterCounters counters, TrafficSeries traffic, Func<Uri?> stagingUrl) : IRouterAccess
{
    public bool Routes(string service) => state.Current.Services.ContainsKey(service);

    public string? RouteConflict(string service, IReadOnlyList<string> hosts, string path, string staging)
    {
        var patterns = hosts.Select(h => HostPattern.TryParse(h, out var p, out _) ? p : default).ToList();
        if (state.Current.FindClaim(patterns, path, service) is { } other)
            return $"hosts {string.Join(", ", hosts)} with path {path} are already routed to service {other.Name}";
        return StagingHosts.FindConflict(state.Current, service, patterns, staging);
    }

    public async Task<string?> RemoveAsync(string service, bool waitForDrain)
    {
        if (admin.Remove(service, out var drained) is { } error) return error;
        if (waitForDrain) await drained.ConfigureAwait(false);
        return null;
    }

    /// <summary>The change of <see cref="RemoveAsync"/> alone; <paramref name="drained"/> completes when its targets have drained.</summary>
    public string? Remove(string service, out Task drained) => admin.Remove(service, out drained);

    public StatusResponse Status() => admin.Status();

    public ServiceStatus? Status(string service) => admin.Status(service);

    public string? Pause(string service, TimeSpan max) => admin.Pause(service, max);

    public string? Resume(string service) => admin.Resume(service);

    public string? Maintenance(string service, bool on, string? message) => admin.Maintenance(service, on, message);

    public string Metrics() => PrometheusWriter.Write(state.Current, counters);

    public RouterAnswerCounts AnswersOf(string service)
    {
        var answers = counters.AnswersOf(service);
        return new RouterAnswerCounts(answers.GetValueOrDefault(400), answers.GetValueOrDefault(502), answers.GetValueOrDefault(503), answers.GetValueOrDefault(504));
    }

    public TrafficResponse? Traffic(string service) => traffic.Read(service);

    private static readonly DateTimeOffset Started = new(System.Diagnostics.Process.GetCurrentProcess().StartTime.ToUniversalTime());

    public RouterProcessResponse Process(string? message = null) =>
        new(Environment.ProcessId, Supervision.WorkerChannel.Current is not null, Math.Max(0, (Supervision.WorkerChannel.Current?.Generation ?? 1) - 1), Started, message);

    public Task<TargetsStart> StartTargetsAsync(string service, DeployRequest body, CancellationToken stopping)
    {
        var plan = DeployPlan.TryCreate(service, body, state.Current, out var error);
        if (plan is null) return Task.FromResult(TargetsStart.Refused(400, error));
        if (!rollout.TryBegin(service, out error)) return Task.FromResult(TargetsStart.Refused(409, error));
        return Task.FromResult(new TargetsStart(0, null, report => rollout.RunAsync(plan, (k, m) => report(k, m), stopping)));
    }

    public async Task<string?> StageAsync(string service, RouteSpec routes, string pool, IReadOnlyList<string> targets, TimeSpan deployTimeout, CancellationToken cancellationToken, bool standby = false, string? release = null)
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
            Release = release,
            Tls = routes.Tls ?? Baton.Router.Routing.ServiceTls.Off,
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
            ? new LivePool(active.Name, active.Targets.Select(t => t.Authority).ToList(), active.Release)
            : null;

    public (Uri? StagingUrl, string? StagingHost) Staging(string service, string pool) =>
        (stagingUrl(), state.Current.Services.TryGetValue(service, out var s) ? s.StagingHosts(pool).FirstOrDefault() : null);

    private sealed class Drain(PoolRollout rollout, SwitchResult switched) : IDrain
    {
        public Task<int> WaitAsync(CancellationToken cancellationToken) => rollout.DrainAsync(switched);
    }
}
