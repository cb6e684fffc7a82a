using System.Collections.Concurrent;
using System.Diagnostics;
using Baton.Router.Routing;
using Baton.Router.Targets;
using Microsoft.Extensions.Logging;

namespace Baton.Router.Rollout;

/// <summary>Reports one line of a rollout's progress.</summary>
public delegate void RolloutProgress(string kind, string message);

/// <summary>
/// Deploys a pool of endpoints that something else started. One rollout per service at a time.
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
    /// Steps: 1. put the new targets in the candidate pool (reusing live targets with the same
    /// address); 2. wait until every one is healthy, or fail within the deploy timeout leaving the
    /// live pool untouched; 3. swap the candidate in with one route-table update; 4. drain the old
    /// targets. The caller must have called <see cref="TryBegin"/>.
    /// </summary>
    /// <returns>Null on success, else the reason it failed.</returns>
    public async Task<string?> RunAsync(DeployPlan plan, RolloutProgress progress, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        try
        {
            // Step 1
            var current = state.Current.Services.GetValueOrDefault(plan.Service);
            var live = current?.Active;
            var candidate = new TargetPool(plan.Targets.Select(a => live?.Find(a) ?? new Target(a)));
            state.Update(services =>
            {
                var next = new Dictionary<string, ServiceEntry>(services, StringComparer.Ordinal);
                next[plan.Service] = services.TryGetValue(plan.Service, out var s)
                    ? s with { Candidate = candidate, CandidateHealth = plan.Health }
                    : new ServiceEntry { Name = plan.Service, Hosts = plan.Hosts, Path = plan.Path, Health = plan.Health, DrainTimeout = plan.DrainTimeout, Candidate = candidate, CandidateHealth = plan.Health };
                return next;
            });
            progress("step", $"Waiting for {Plural(candidate.Targets.Count, "target")} to pass health checks on {plan.Health.Path} ({plan.Health.Passes} in a row, within {plan.DeployTimeout.TotalSeconds:0.#} s)");

            // Step 2
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
            progress("step", $"Healthy after {waited.Elapsed.TotalSeconds:0.0} s");

            // Step 3
            var old = Array.Empty<Target>();
            state.Update(services =>
            {
                var next = new Dictionary<string, ServiceEntry>(services, StringComparer.Ordinal);
                var s = services[plan.Service];
                old = (s.Active?.Targets ?? []).Where(t => !candidate.Targets.Contains(t)).ToArray();
                next[plan.Service] = s with
                {
                    Active = candidate,
                    Candidate = null,
                    CandidateHealth = null,
                    Hosts = plan.Hosts,
                    Path = plan.Path,
                    Health = plan.Health,
                    DrainTimeout = plan.DrainTimeout,
                };
                return next;
            });
            progress("step", $"Switched: {plan.Service} now answers from {string.Join(", ", candidate.Targets.Select(t => t.Authority))}");

            // Step 4
            if (old.Length > 0)
            {
                progress("step", $"Draining {Plural(old.Length, "old target")} ({old.Sum(t => t.InFlight)} requests in flight, up to {plan.DrainTimeout.TotalSeconds:0.#} s)");
                var drainClock = Stopwatch.StartNew();
                var left = await Task.WhenAll(old.Select(t => t.DrainAsync(plan.DrainTimeout, state.Time, CancellationToken.None))).ConfigureAwait(false);
                var cut = left.Sum();
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

    /// <summary>Removes the candidate of a failed rollout, and the service itself if it never went live.</summary>
    private void DropCandidate(string service, TargetPool candidate) => state.Update(services =>
    {
        if (!services.TryGetValue(service, out var s) || s.Candidate != candidate) return null;
        var next = new Dictionary<string, ServiceEntry>(services, StringComparer.Ordinal);
        if (s.Active is null) next.Remove(service);
        else next[service] = s with { Candidate = null, CandidateHealth = null };
        return next;
    });

    private static string Plural(int n, string noun) => n == 1 ? $"1 {noun}" : $"{n} {noun}s";

    [LoggerMessage(EventId = LogEvents.DeployFailed, Level = LogLevel.Warning, Message = "Deployment of {Service} failed: {Reason}")]
    private static partial void LogFailed(ILogger logger, string service, string reason);
}
