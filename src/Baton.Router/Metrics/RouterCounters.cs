using System.Collections.Concurrent;

namespace Baton.Router.Metrics;

/// <summary>
/// Requests the router answered itself (404, 400, 502, 503, 504 and maintenance), by service and
/// status, plus the reasons of those that never reached a target. Counted outside every target's
/// metrics unless the target caused them (a timeout, a failed answer), so a malformed request
/// never weighs on a target or a canary's judging.
/// </summary>
public sealed class RouterCounters
{
    private long _noRoute;
    private long _noTarget;
    private long _pauseExpired;
    private long _stagingRefused;
    private long _requestLogDropped;
    private readonly ConcurrentDictionary<(string Service, int Status), StrongBox> _answers = new();
    private readonly ConcurrentDictionary<string, StrongBox> _standby = new(StringComparer.Ordinal);

    public long NoRoute => Volatile.Read(ref _noRoute);
    public long NoTarget => Volatile.Read(ref _noTarget);
    public long PauseExpired => Volatile.Read(ref _pauseExpired);
    public long StagingRefused => Volatile.Read(ref _stagingRefused);

    /// <summary>Request log lines lost: the writer's queue was full, or the write failed.</summary>
    public long RequestLogDropped => Volatile.Read(ref _requestLogDropped);

    public void RecordNoRoute() => Interlocked.Increment(ref _noRoute);
    public void RecordNoTarget() => Interlocked.Increment(ref _noTarget);
    public void RecordPauseExpired() => Interlocked.Increment(ref _pauseExpired);
    public void RecordStagingRefused() => Interlocked.Increment(ref _stagingRefused);
    public void RecordRequestLogDropped(long lines = 1) => Interlocked.Add(ref _requestLogDropped, lines);

    /// <param name="service">The service the request was routed to; empty when no route matched.</param>
    public void RecordAnswer(string service, int status) =>
        Interlocked.Increment(ref _answers.GetOrAdd((service, status), static _ => new StrongBox()).Count);

    /// <summary>A request sent to a service's warm standby release because its live pool had no available target.</summary>
    public void RecordStandby(string service) =>
        Interlocked.Increment(ref _standby.GetOrAdd(service, static _ => new StrongBox()).Count);

    /// <summary>Requests each service's standby took, ordered by service.</summary>
    public IReadOnlyList<(string Service, long Count)> Standby() =>
        _standby.Select(a => (a.Key, Volatile.Read(ref a.Value.Count))).OrderBy(a => a.Key, StringComparer.Ordinal).ToList();

    /// <summary>Every (service, status) counted so far, ordered by service then status.</summary>
    public IReadOnlyList<(string Service, int Status, long Count)> Answers() =>
        _answers.Select(a => (a.Key.Service, a.Key.Status, Volatile.Read(ref a.Value.Count)))
            .OrderBy(a => a.Service, StringComparer.Ordinal).ThenBy(a => a.Status).ToList();

    /// <summary>The answers of one service, by status.</summary>
    public IReadOnlyDictionary<int, long> AnswersOf(string service) =>
        _answers.Where(a => a.Key.Service == service).ToDictionary(a => a.Key.Status, a => Volatile.Read(ref a.Value.Count));

    private sealed class StrongBox
    {
        public long Count;
    }
}
