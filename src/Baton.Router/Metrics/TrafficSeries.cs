using Baton.Contracts;
using Baton.Router.Routing;
using Baton.Router.Targets;

namespace Baton.Router.Metrics;

/// <summary>
/// Per service and per colour, the last <see cref="WindowSeconds"/> seconds of traffic in steps of
/// <see cref="StepSeconds"/>: requests, errors and latency buckets, summed from the targets' rolling
/// windows (the same numbers a canary is judged on) by <see cref="Sample"/>, which a timer calls every
/// step. Nothing is added on the request path. In memory only and bounded: at most
/// <see cref="WindowSeconds"/> / <see cref="StepSeconds"/> points per colour per service, so a router
/// that starts has none.
/// </summary>
public sealed class TrafficSeries(TimeProvider time)
{
    /// <value>5 s.</value>
    public const int StepSeconds = 5;

    /// <value>15 minutes.</value>
    public const int WindowSeconds = 15 * 60;

    private const int Capacity = WindowSeconds / StepSeconds;

    // How far back a late sample reaches: steps the rolling window (120 s) still holds whole, with a margin.
    private const int Backfill = RollingWindow.Seconds - 2 * StepSeconds;

    private readonly Lock _gate = new();
    private readonly Dictionary<string, Dictionary<string, Queue<Bucket>>> _services = new(StringComparer.Ordinal);
    // The end (exclusive, in the windows' seconds) of the last step sampled; steps before it are never summed twice.
    private long _sampledTo = long.MinValue;

    /// <summary>
    /// Adds a point per colour of each service in <paramref name="table"/> for every whole step that
    /// ended since the last call (a timer late by a few seconds loses nothing: the windows hold
    /// 120 s), and forgets points older than the window and services no longer routed.
    /// </summary>
    public void Sample(RouteTable table)
    {
        long now = RollingWindow.SecondOf(time);
        long end = now - now % StepSeconds; // the steps before the current one are whole
        var wallNow = time.GetUtcNow();
        double fraction = (time.GetTimestamp() % time.TimestampFrequency) / (double)time.TimestampFrequency;
        lock (_gate)
        {
            // The first sample takes the last whole step only (no line before the router saw the pool);
            // a timer stalled longer than the windows reach resumes where they still hold whole steps.
            long first = _sampledTo == long.MinValue ? end - StepSeconds : Math.Max(_sampledTo, end - Backfill);
            foreach (var gone in _services.Keys.Where(n => !table.Services.ContainsKey(n)).ToList()) _services.Remove(gone);
            foreach (var service in table.Services.Values)
            {
                var colours = Colours(service);
                if (colours.Count == 0) continue;
                if (!_services.TryGetValue(service.Name, out var series)) _services[service.Name] = series = new(StringComparer.Ordinal);
                foreach (var (colour, targets) in colours)
                {
                    if (!series.TryGetValue(colour, out var points)) series[colour] = points = new();
                    for (long start = first; start + StepSeconds <= end; start += StepSeconds)
                    {
                        var sum = new WindowSum();
                        foreach (var m in targets) m.Window.AddRange(sum, start, start + StepSeconds);
                        var at = wallNow - TimeSpan.FromSeconds(now - start + fraction);
                        points.Enqueue(new Bucket(start, new DateTimeOffset(at.UtcTicks - at.UtcTicks % TimeSpan.TicksPerMillisecond, TimeSpan.Zero), sum));
                    }
                }
                foreach (var points in series.Values)
                    while (points.TryPeek(out var oldest) && (oldest.Second < end - WindowSeconds || points.Count > Capacity)) points.Dequeue();
                foreach (var empty in series.Where(p => p.Value.Count == 0).Select(p => p.Key).ToList()) series.Remove(empty);
            }
            _sampledTo = Math.Max(_sampledTo, end);
        }
    }

    /// <summary>Samples <paramref name="table"/>'s current snapshot every second (a step's point lands within a second of its end) until disposed.</summary>
    public ITimer Start(Func<RouteTable> table) =>
        time.CreateTimer(_ => Sample(table()), null, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));

    /// <summary>The service's points per colour, oldest first; null when the router has none for it.</summary>
    public TrafficResponse? Read(string service)
    {
        var to = time.GetUtcNow();
        lock (_gate)
        {
            if (!_services.TryGetValue(service, out var series)) return null;
            var colours = series.OrderBy(c => c.Key, StringComparer.Ordinal)
                .Select(c => new TrafficColour(c.Key, c.Value.Select(b => b.ToPoint()).ToList())).ToList();
            return new TrafficResponse(service, StepSeconds, WindowSeconds, to - TimeSpan.FromSeconds(WindowSeconds), to, colours, []);
        }
    }

    /// <summary>Each colour's targets, live and candidate; a target listed twice counts once.</summary>
    private static Dictionary<string, HashSet<TargetMetrics>> Colours(ServiceEntry service)
    {
        var colours = new Dictionary<string, HashSet<TargetMetrics>>(StringComparer.Ordinal);
        foreach (var pool in new[] { service.Active, service.Candidate })
        {
            if (pool is null || pool.Targets.Count == 0) continue;
            var name = pool.Name ?? "live";
            if (!colours.TryGetValue(name, out var set)) colours[name] = set = [];
            foreach (Target t in pool.Targets) set.Add(t.Metrics);
        }
        return colours;
    }

    private sealed record Bucket(long Second, DateTimeOffset At, WindowSum Sum)
    {
        public TrafficPoint ToPoint()
        {
            var s = Sum;
            var p95 = WindowSum.Percentile(s.Buckets, 0.95);
            return new TrafficPoint(At, s.Requests, s.Errors, Math.Round(s.Requests / (double)StepSeconds, 3),
                s.Requests == 0 ? null : Math.Round((double)s.Errors / s.Requests, 6),
                p95 is { } p ? Math.Round(p * 1000, 3) : null);
        }
    }
}
