using System.Collections.Concurrent;
using System.Diagnostics;
using Baton.Router.Health;
using Baton.Router.Routing;
using Baton.Router.Targets;
using Microsoft.Extensions.Logging;

namespace Baton.Router.Rollout;

/// <summary>Reports one line of a rollout's progress.</summary>
public delegate void RolloutProgress(string kind, string message);

/// <summary>The old pool after a switch: its targets and how long they get to drain.</summary>
public sealed record SwitchResult(IReadOnlyList<Target> Old, TimeSpan DrainTimeout);

/// <summary>
/// Moves a service to a new pool in three steps — stage (candidate, health-gated), switch (one
/// route-table swap), drain (the old pool) — that a deployer can call one by one, or all at once
/// for endpoints something else started (<see cref="RunAsync"/>).
/// </summary>
public sealed partial class PoolRollout(RoutingState state, ILogger<PoolRollout> logger)
{
    private readonly ConcurrentDictionary<string, DateTimeOffset> _running = new(StringComparer.Ordinal);

    /// <summary>Claims the service for one rollout; the error says since when it is busy.</summary>
    public bool TryBegin(string service, out string error)
    {
        var now = state.Time.GetUtcNow();
        if (_running.TryAdd(service, now))
        {
            error = "";
            return true;
        }
        var since = _running.TryGetValue(service, out var s) ? s : now;
        error = $"A deployment of {service} is already running (started {(int)(now - since).TotalSeconds} s ago); wait for it to finish.";
        return false;
    }

    /// <summary>
    /// Steps: 1. stage; 2. switch; 3. drain. The caller must have called <see cref="TryBegin"/>.
    /// </summary>
    /// <returns>Null on success, else the reason it failed (the live pool untouched).</returns>
    public async Task<string?> RunAsync(DeployPlan plan, RolloutProgress progress, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        try
        {
            // Step 1
            progress("step", $"Waiting for {Plural(plan.Targets.Count, "target")} to pass health checks on {(plan.Health.Path == HealthCheckOptions.ConnectOnly ? "TCP connect" : plan.Health.Path)} ({plan.Health.Passes} in a row, within {plan.DeployTimeout.TotalSeconds:0.#} s)");
            var waited = Stopwatch.StartNew();
            var failure = await StageAsync(plan, cancellationToken).ConfigureAwait(false);
            if (failure is not null) return failure;
            progress("step", $"Healthy after {waited.Elapsed.TotalSeconds:0.0} s");

            // Step 2
            var switched = Switch(plan.Service);
            progress("step", $"Switched: {plan.Service} now answers from {string.Join(", ", plan.Targets)}");

            // Step 3
            if (switched.Old.Count > 0)
            {
                progress("step", $"Draining {Plural(switched.Old.Count, "old target")} ({switched.Old.Sum(t => t.InFlight)} requests in flight, up to {switched.DrainTimeout.TotalSeconds:0.#} s)");
                var drainClock = Stopwatch.StartNew();
                var cut = await DrainAsync(switched).ConfigureAwait(false);
                progress(cut == 0 ? "step" : "info", cut == 0
                    ? $"Drained in {drainClock.Elapsed.TotalSeconds:0.0} s"
                    : $"Drain timeout reached: {Plural(cut, "long-lived request")} closed");
            }
            progress("done", $"Deployed {plan.Service} in {clock.Elapsed.TotalSeconds:0.0} s");
            return null;
        }
        finally
        {
            _running.TryRemove(plan.Service, out _);
        }
    }

    /// <summary>
    /// Puts the plan's targets in the candidate pool (reusing live targets with the same address)
    /// and waits until every one is healthy. On failure or timeout the candidate is dropped and
    /// the live pool was never touched.
    /// </summary>
    /// <returns>Null when healthy, else why not, naming each target and its last probe answer.</returns>
    public async Task<string?> StageAsync(DeployPlan plan, CancellationToken cancellationToken)
    {
        var live = state.Current.Services.GetValueOrDefault(plan.Service)?.Active;
        var candidate = new TargetPool(plan.Targets.Select(a => live?.Find(a) ?? new Target(a, time: state.Time)), plan.PoolName, plan.Standby, plan.Release);
        state.Update(services =>
        {
            var next = new Dictionary<string, ServiceEntry>(services, StringComparer.Ordinal);
            next[plan.Service] = services.TryGetValue(plan.Service, out var s)
                // A new candidate starts with no canary share: `baton canary` gives it one once it is healthy.
                ? s with { Candidate = candidate, PendingPlan = plan, Staging = plan.Staging ?? s.Staging, CanaryPercent = 0 }
                : new ServiceEntry { Name = plan.Service, Hosts = plan.Hosts, Path = plan.Path, Health = plan.Health, DrainTimeout = plan.DrainTimeout, TargetTimeout = plan.TargetTimeout, Candidate = candidate, PendingPlan = plan, Staging = plan.Staging, Tls = plan.Tls ?? ServiceTls.Off };
            return next;
        });

        var waited = Stopwatch.StartNew();
        while (!candidate.AllHealthy)
        {
            if (waited.Elapsed >= plan.DeployTimeout || cancellationToken.IsCancellationRequested)
            {
                var why = string.Join("; ", candidate.Targets.Where(t => t.Health != TargetHealth.Healthy)
                    .Select(t => $"{t.Authority}: {t.LastProbe ?? "no answer yet"}"));
                DropCandidate(plan.Service, candidate);
                var reason = $"Not healthy within {plan.DeployTimeout.TotalSeconds:0.#} s ({why}); the live release was not touched.";
                LogFailed(logger, plan.Service, reason);
                return reason;
            }
            await Task.Delay(TimeSpan.FromMilliseconds(50), state.Time, CancellationToken.None).ConfigureAwait(false);
        }
        return null;
    }

    /// <summary>Makes the staged candidate the active pool with one route-table update.</summary>
    /// <exception cref="InvalidOperationException">No candidate is staged.</exception>
    public SwitchResult Switch(string service)
    {
        SwitchResult? result = null;
        state.Update(services =>
        {
            if (!services.TryGetValue(service, out var s) || s.Candidate is null)
                throw new InvalidOperationException($"{service} has no candidate pool to switch to.");
            var plan = s.PendingPlan;
            var old = (s.Active?.Targets ?? []).Where(t => !s.Candidate.Targets.Contains(t)).ToArray();
            result = new SwitchResult(old, s.DrainTimeout);
            var next = new Dictionary<string, ServiceEntry>(services, StringComparer.Ordinal);
            // The canary ends with the switch: everyone is on the new release now.
            next[service] = WithPlan(s, plan) with { Active = s.Candidate, Candidate = null, PendingPlan = null, CanaryPercent = 0 };
            return next;
        });
        return result!;
    }

    /// <summary>Drains the old pool of a switch: no new requests, in-flight ones finish, long-lived ones close at the deadline.</summary>
    /// <returns>How many requests were still running at the deadline.</returns>
    public async Task<int> DrainAsync(SwitchResult switched)
    {
        var left = await Task.WhenAll(switched.Old.Select(t => t.DrainAsync(switched.DrainTimeout, state.Time, CancellationToken.None))).ConfigureAwait(false);
        return left.Sum();
    }

    /// <summary>
    /// Drops the candidate (its share goes with it), returning its targets that are not live, to
    /// drain: requests the candidate is serving finish before its release is stopped.
    /// </summary>
    public SwitchResult RetireCandidate(string service)
    {
        var s = state.Current.Services.GetValueOrDefault(service);
        var retired = s?.Candidate?.Targets.Where(t => s.Active?.Contains(t.Address) != true).ToArray() ?? [];
        DropCandidate(service);
        return new SwitchResult(retired, s?.DrainTimeout ?? TimeSpan.FromSeconds(30));
    }

    /// <summary>
    /// One route-table update for a rolling deploy: <paramref name="remove"/> leaves the active
    /// pool, and the staged candidate's targets join it when <paramref name="addCandidate"/>.
    /// </summary>
    /// <exception cref="InvalidOperationException">The service is not live, or a candidate is asked for and none is staged.</exception>
    public SwitchResult Merge(string service, IReadOnlyCollection<TargetAddress> remove, bool addCandidate, string? poolName)
    {
        SwitchResult? result = null;
        state.Update(services =>
        {
            if (!services.TryGetValue(service, out var s) || s.Active is null)
                throw new InvalidOperationException($"{service} is not live: there is no pool to merge into.");
            if (addCandidate && s.Candidate is null)
                throw new InvalidOperationException($"{service} has no candidate pool to merge.");
            var removed = s.Active.Targets.Where(t => remove.Contains(t.Address)).ToArray();
            var kept = s.Active.Targets.Where(t => !remove.Contains(t.Address));
            var added = addCandidate ? s.Candidate!.Targets.Where(t => !s.Active.Contains(t.Address)) : [];
            var plan = addCandidate ? s.PendingPlan : null;
            result = new SwitchResult(removed, s.DrainTimeout);
            var next = new Dictionary<string, ServiceEntry>(services, StringComparer.Ordinal);
            next[service] = WithPlan(s, plan) with
            {
                // Each target keeps its release: the pool has one again once the old release has left it.
                Active = TargetPool.Of(kept.Select(t => (t, s.Active.ReleaseOf(t))).Concat(added.Select(t => (t, s.Candidate!.ReleaseOf(t)))), poolName ?? s.Active.Name),
                Candidate = addCandidate ? null : s.Candidate,
                PendingPlan = addCandidate ? null : s.PendingPlan,
                CanaryPercent = addCandidate ? 0 : s.CanaryPercent,
            };
            return next;
        });
        return result!;
    }

    /// <summary>Removes the service's candidate (any), and the service itself if it never went live.</summary>
    public void DropCandidate(string service) => DropCandidate(service, null);

    private void DropCandidate(string service, TargetPool? only) => state.Update(services =>
    {
        if (!services.TryGetValue(service, out var s) || s.Candidate is null || (only is not null && s.Candidate != only)) return null;
        var next = new Dictionary<string, ServiceEntry>(services, StringComparer.Ordinal);
        if (s.Active is null) next.Remove(service);
        else next[service] = s with { Candidate = null, PendingPlan = null, CanaryPercent = 0 };
        return next;
    });

    /// <summary>The route settings a staged plan brings take effect when its targets go live.</summary>
    private static ServiceEntry WithPlan(ServiceEntry s, DeployPlan? plan) => plan is null ? s : s with
    {
        Hosts = plan.Hosts,
        Path = plan.Path,
        Health = plan.Health,
        DrainTimeout = plan.DrainTimeout,
        TargetTimeout = plan.TargetTimeout,
        // A --target deploy brings no TLS settings and keeps the service's.
        Tls = plan.Tls ?? s.Tls,
    };

    private static string Plural(int n, string noun) => n == 1 ? $"1 {noun}" : $"{n} {noun}s";

    [LoggerMessage(EventId = LogEvents.DeployFailed, Level = LogLevel.Warning, Message = "Deployment of {Service} failed: {Reason}")]
    private static partial void LogFailed(ILogger logger, string service, string reason);
}
