using Baton.Contracts;
using Baton.Router.Metrics;
using Baton.Router.Routing;
using Baton.Router.Targets;

namespace Baton.Router;

/// <summary>The router's operations other than deploys: pause, resume, maintenance, canary share, remove, and status.</summary>
/// <param name="stagingUrl">The staging listener's address once it listens (null when there is none), so status can give each staging host's URL.</param>
public sealed class RouterAdmin(RoutingState state, Func<Uri?>? stagingUrl = null)
{
    /// <value>The default is 30 s.</value>
    public static readonly TimeSpan DefaultPauseMax = TimeSpan.FromSeconds(30);

    /// <summary>The window status shows for each pool: 60 s.</summary>
    public const int StatusWindowSeconds = 60;

    /// <returns>Null on success, else why nothing changed.</returns>
    public string? Pause(string service, TimeSpan max)
    {
        string? error = null;
        state.Update(services =>
        {
            if (!Known(services, service, out var s, out error)) return null;
            if (s.Pause is not null) return null; // already paused: keep the requests held by the first pause
            return With(services, s with { Pause = new PauseGate(max, state.Time.GetUtcNow()) });
        });
        return error;
    }

    public string? Resume(string service)
    {
        string? error = null;
        PauseGate? released = null;
        state.Update(services =>
        {
            if (!Known(services, service, out var s, out error)) return null;
            released = s.Pause;
            return released is null ? null : With(services, s with { Pause = null });
        });
        // Release after the new table is published, so held requests see the service resumed.
        released?.Release();
        return error;
    }

    public string? Maintenance(string service, bool on, string? message)
    {
        string? error = null;
        state.Update(services =>
        {
            if (!Known(services, service, out var s, out error)) return null;
            return With(services, s with { Maintenance = on ? message ?? "" : null });
        });
        return error;
    }

    /// <summary>
    /// Sends <paramref name="percent"/> % of clients (sticky per client) to the service's candidate
    /// pool; 0 sends everyone back to the active pool.
    /// </summary>
    public string? SetCanary(string service, double percent)
    {
        if (!double.IsFinite(percent) || percent < 0 || percent > 100)
            return $"The canary share must be a percentage from 0 to 100, not {percent.ToString(System.Globalization.CultureInfo.InvariantCulture)}.";
        string? error = null;
        state.Update(services =>
        {
            if (!Known(services, service, out var s, out error)) return null;
            if (s.Candidate is null || s.Active is null)
            {
                error = $"{service} has no candidate pool next to a live one to send a share of clients to; stage a release first.";
                return null;
            }
            return s.CanaryPercent == percent ? null : With(services, s with { CanaryPercent = percent });
        });
        return error;
    }

    /// <summary>Stops routing to the service at once; its targets drain in the background.</summary>
    public string? Remove(string service) => Remove(service, out _);

    /// <summary>Stops routing to the service at once; <paramref name="drained"/> completes when its targets have drained.</summary>
    public string? Remove(string service, out Task drained)
    {
        string? error = null;
        ServiceEntry? removed = null;
        state.Update(services =>
        {
            if (!Known(services, service, out removed, out error)) return null;
            var next = new Dictionary<string, ServiceEntry>(services, StringComparer.Ordinal);
            next.Remove(service);
            return next;
        });
        drained = Task.CompletedTask;
        if (removed is not null)
        {
            removed.Pause?.Release();
            drained = Task.WhenAll(removed.AllTargets.Select(t => t.DrainAsync(removed.DrainTimeout, state.Time)));
        }
        return error;
    }

    public StatusResponse Status()
    {
        var staging = stagingUrl?.Invoke();
        return new(state.Current.Services.Values.OrderBy(s => s.Name, StringComparer.Ordinal).Select(s => ToStatus(s, staging)).ToList(), StagingUrl: staging?.ToString());
    }

    public ServiceStatus? Status(string service) =>
        state.Current.Services.TryGetValue(service, out var s) ? ToStatus(s, stagingUrl?.Invoke()) : null;

    private static ServiceStatus ToStatus(ServiceEntry s, Uri? staging) => new(
        s.Name,
        s.Hosts.Select(h => h.ToString()).ToList(),
        s.Path,
        s.Pause is not null,
        s.Pause?.Since,
        s.Pause is { } p ? Durations.Format(p.MaxHold) : null,
        s.Maintenance is not null,
        s.Maintenance,
        s.Health.Path,
        Durations.Format(s.DrainTimeout),
        s.Active is null ? null : ToStatus(s, s.Active, staging),
        s.Candidate is null ? null : ToStatus(s, s.Candidate, staging),
        s.IsCanary ? s.CanaryPercent : null,
        TargetTimeout: Durations.Format(s.TargetTimeout ?? RouterOptions.DefaultTargetTimeout));

    private static WindowStatus ToWindow(TargetPool pool)
    {
        var w = TargetMetrics.Aggregate(pool.Targets.Select(t => t.Metrics), StatusWindowSeconds);
        return new WindowStatus(w.Seconds, w.Requests, w.Errors, Math.Round(w.ErrorRate, 6), w.P95Seconds is { } p ? Math.Round(p * 1000, 3) : null);
    }

    private static PoolStatus ToStatus(ServiceEntry s, TargetPool pool, Uri? staging)
    {
        var hosts = pool.Name is { } name && s.StagingHosts(name).ToList() is { Count: > 0 } list ? list : null;
        return new(Targets(pool), pool.Name, ToWindow(pool), hosts, Release: pool.Release,
            StagingUrls: staging is null ? null : hosts?.Select(h => $"{staging.Scheme}://{h}:{staging.Port}/").ToList());
    }

    private static List<TargetStatus> Targets(TargetPool pool) => pool.Targets.Select(t => new TargetStatus(
        t.Authority,
        t.Weight,
        t.Health.ToString().ToLowerInvariant(),
        t.IsDraining,
        t.InFlight,
        t.Metrics.Requests,
        new RequestCounts(t.Metrics.CountOfClass(1), t.Metrics.CountOfClass(2), t.Metrics.CountOfClass(3), t.Metrics.CountOfClass(4), t.Metrics.CountOfClass(5)),
        t.Metrics.ConnectFailures,
        t.LastProbe)).ToList();

    private static bool Known(IReadOnlyDictionary<string, ServiceEntry> services, string name, out ServiceEntry entry, out string? error)
    {
        if (services.TryGetValue(name, out entry!))
        {
            error = null;
            return true;
        }
        error = $"There is no service named {name}; `baton status` lists them.";
        return false;
    }

    private static Dictionary<string, ServiceEntry> With(IReadOnlyDictionary<string, ServiceEntry> services, ServiceEntry entry) =>
        new(services, StringComparer.Ordinal) { [entry.Name] = entry };
}
