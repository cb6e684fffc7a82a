using Baton.Router.Health;
using Baton.Router.State;
using Baton.Router.Targets;
using Microsoft.Extensions.Logging;

namespace Baton.Router.Routing;

/// <summary>
/// Owns the current <see cref="RouteTable"/>. Readers take <see cref="Current"/> once per request;
/// writers are serialised, build a whole new snapshot, save it, then publish it with one
/// reference assignment. Keeps the health probes in step with the targets the table references.
/// </summary>
public sealed partial class RoutingState : IDisposable
{
    private readonly Lock _writeLock = new();
    private readonly RouterStateStore? _store;
    private readonly HealthProber _prober;
    private readonly ILogger _logger;
    private volatile RouteTable _current = RouteTable.Empty;
    private volatile bool _saving = true;

    public RoutingState(RouterStateStore? store, TimeProvider time, ILogger logger)
    {
        _store = store;
        Time = time;
        _logger = logger;
        _prober = new HealthProber(time, logger);
        if (store is not null)
        {
            var services = store.Load(time);
            if (services.Count > 0)
            {
                Publish(services.ToDictionary(s => s.Name, StringComparer.Ordinal), save: false);
                LogLoaded(_logger, services.Count, store.Path);
            }
        }
    }

    public RouteTable Current => _current;

    /// <summary>
    /// From now on changes apply here but are no longer written to the state file: a router
    /// handover gave the file to the next router process, which has loaded it or is about to. A
    /// change this process still makes by itself (a pause running out) must not overwrite the
    /// next one's state.
    /// </summary>
    public void StopSaving()
    {
        lock (_writeLock) _saving = false;
    }

    public TimeProvider Time { get; }

    /// <summary>
    /// Applies <paramref name="change"/> to the services as one atomic step. The function returns
    /// null to change nothing (for instance after finding the request invalid).
    /// </summary>
    public RouteTable Update(Func<IReadOnlyDictionary<string, ServiceEntry>, Dictionary<string, ServiceEntry>?> change)
    {
        lock (_writeLock)
        {
            var next = change(_current.Services);
            return next is null ? _current : Publish(next, save: true);
        }
    }

    /// <summary>Replaces one service (or removes it when <paramref name="entry"/> is null).</summary>
    public RouteTable Set(string name, ServiceEntry? entry) => Update(services =>
    {
        var next = new Dictionary<string, ServiceEntry>(services, StringComparer.Ordinal);
        if (entry is null) next.Remove(name);
        else next[name] = entry;
        return next;
    });

    private RouteTable Publish(Dictionary<string, ServiceEntry> services, bool save)
    {
        var previous = _current;
        var table = new RouteTable(services, previous.Version + 1);
        // Save before publishing: what clients see is always what a restart would bring back.
        if (save && _saving) _store?.Save(table);

        var before = previous.Services.Values.SelectMany(s => s.AllTargets).ToHashSet();
        var after = new HashSet<Target>();
        foreach (var s in table.Services.Values)
        {
            foreach (var t in s.AllTargets)
            {
                after.Add(t);
                if (!before.Contains(t)) _prober.Watch(t, s.Candidate?.Targets.Contains(t) == true ? s.PendingPlan?.Health ?? s.Health : s.Health);
            }
        }
        _current = table;
        foreach (var gone in before.Where(t => !after.Contains(t))) _prober.Forget(gone);
        return table;
    }

    public void Dispose() => _prober.Dispose();

    [LoggerMessage(EventId = LogEvents.StateLoaded, Level = LogLevel.Information, Message = "Restored {Count} services from {Path}")]
    private static partial void LogLoaded(ILogger logger, int count, string path);
}
