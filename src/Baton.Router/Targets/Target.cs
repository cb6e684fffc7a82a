using System.Diagnostics;
using Baton.Router.Metrics;

namespace Baton.Router.Targets;

/// <summary>
/// One endpoint that serves a service. Mutable runtime state (health, in-flight count, drain)
/// lives here; pools and route tables that reference it are immutable.
/// </summary>
public sealed class Target
{
    private int _health;
    private int _draining;
    private int _inFlight;
    private int _consecutiveFailures;
    private long _failedAt;
    private long _probePassedAt;
    private TaskCompletionSource? _idle;
    private readonly CancellationTokenSource _streamsClosing = new();
    private Uri? _lastRequestUri;

    private static readonly UriCreationOptions AsSent = new() { DangerousDisablePathAndQueryCanonicalization = true };

    /// <param name="time">The clock of the target's rolling metrics window; the system clock by default.</param>
    public Target(TargetAddress address, int weight = 1, TargetHealth initial = TargetHealth.Pending, TimeProvider? time = null)
    {
        Metrics = new TargetMetrics(time);
        Address = address;
        Weight = Math.Max(1, weight);
        BaseUri = new Uri($"http://{address}/");
        Authority = address.ToString();
        Prefix = "http://" + Authority;
        _health = (int)initial;
    }

    public TargetAddress Address { get; }
    public string Authority { get; }
    public Uri BaseUri { get; }

    /// <summary><c>http://host:port</c>: what a forwarded request's target is appended to.</summary>
    public string Prefix { get; }

    /// <summary>
    /// The URI of a request forwarded here for <paramref name="pathAndQuery"/>, exactly as given
    /// (no canonicalization). The last one made is given again while requests ask for the same
    /// path and query: a <see cref="Uri"/> is immutable and safe to share, and parsing a new one
    /// (scheme, authority, address) for every request was about 1 % of the router's CPU on small
    /// answers. Requests for other paths each make their own, as before.
    /// </summary>
    public Uri RequestUri(string pathAndQuery)
    {
        var last = Volatile.Read(ref _lastRequestUri);
        if (last is not null)
        {
            var sent = last.OriginalString;
            if (sent.Length == Prefix.Length + pathAndQuery.Length && sent.AsSpan(Prefix.Length).SequenceEqual(pathAndQuery)) return last;
        }
        var uri = new Uri(string.Concat(Prefix, pathAndQuery), in AsSent);
        Volatile.Write(ref _lastRequestUri, uri);
        return uri;
    }

    public int Weight { get; }
    public TargetMetrics Metrics { get; }

    public TargetHealth Health => (TargetHealth)Volatile.Read(ref _health);
    public bool IsDraining => Volatile.Read(ref _draining) != 0;
    public int InFlight => Volatile.Read(ref _inFlight);
    public bool IsAvailable => Health == TargetHealth.Healthy && !IsDraining;

    /// <summary>Last health probe result, for status and deploy errors ("200 in 3 ms", "connection refused").</summary>
    public string? LastProbe { get; internal set; }

    /// <summary>Fires at the drain deadline: long-lived streams through this target close then.</summary>
    public CancellationToken StreamsClosing => _streamsClosing.Token;

    internal void SetHealth(TargetHealth health) => Volatile.Write(ref _health, (int)health);

    /// <summary>
    /// Counts a request in flight. Fails when the target started draining, so a request that
    /// picked it from an old route-table snapshot goes elsewhere instead of racing the drain.
    /// </summary>
    public bool TryAcquire()
    {
        Interlocked.Increment(ref _inFlight);
        if (Volatile.Read(ref _draining) == 0) return true;
        Release();
        return false;
    }

    public void Release()
    {
        if (Interlocked.Decrement(ref _inFlight) == 0 && Volatile.Read(ref _draining) != 0)
            Volatile.Read(ref _idle)?.TrySetResult();
    }

    /// <summary>Passive health: a run of failed attempts (connection failures, or no answer) ejects the target until probes pass again.</summary>
    /// <returns>True when this failure ejected the target.</returns>
    public bool ReportConnectFailure(int ejectAfter)
    {
        Metrics.RecordConnectFailure();
        return CountFailedAttempt(ejectAfter);
    }

    /// <summary>
    /// Passive health: the target took a request and did not answer it whole. It closed the connection without a byte
    /// of answer (an app that crashed behind a published port whose proxy still accepts), or broke its answer off in
    /// the body (an app that died while sending it). Counts in the same run as connection failures; the attempt
    /// itself is recorded by the caller, as the 502 it is.
    /// </summary>
    /// <returns>True when this failure ejected the target.</returns>
    public bool ReportFailedAnswer(int ejectAfter) => CountFailedAttempt(ejectAfter);

    private bool CountFailedAttempt(int ejectAfter)
    {
        Volatile.Write(ref _failedAt, Stopwatch.GetTimestamp());
        if (Interlocked.Increment(ref _consecutiveFailures) >= ejectAfter && Health == TargetHealth.Healthy)
        {
            SetHealth(TargetHealth.Unhealthy);
            return true;
        }
        return false;
    }

    /// <summary>
    /// True from a failed attempt until a request or health probe started after it is answered (or the target is
    /// healthy again after an ejection). While a watch's standby is warm, requests for such a target go to the
    /// standby: a target that just failed a request is not sent the next one before it is known to answer again.
    /// </summary>
    public bool RecentlyFailed
    {
        get
        {
            long failedAt = Volatile.Read(ref _failedAt);
            return failedAt != 0 && failedAt >= Volatile.Read(ref _probePassedAt);
        }
    }

    /// <summary>
    /// A request started at <paramref name="started"/> (a <see cref="Stopwatch"/> timestamp) was answered: the run
    /// of failed attempts is over. One that started before the last failure proves nothing about the target since.
    /// </summary>
    public void ReportConnected(long started)
    {
        long failedAt = Volatile.Read(ref _failedAt);
        if (failedAt == 0 || started <= failedAt) return; // the common case, nothing failed since the last answer, pays one read
        if (Interlocked.CompareExchange(ref _failedAt, 0, failedAt) == failedAt) Volatile.Write(ref _consecutiveFailures, 0);
    }

    /// <summary>
    /// A health probe started at <paramref name="started"/> passed: the target answers again, so it is no longer
    /// passed over for the standby. The run of failed attempts goes on: an app can answer its probe and drop requests.
    /// </summary>
    internal void ReportProbePassed(long started) => Volatile.Write(ref _probePassedAt, started);

    internal void ResetFailedAttempts()
    {
        Volatile.Write(ref _consecutiveFailures, 0);
        Volatile.Write(ref _failedAt, 0);
    }

    /// <summary>
    /// Stops new requests, waits for in-flight ones up to <paramref name="timeout"/>, then closes
    /// long-lived streams (WebSocket close 1001, end of a streamed body) and waits a short grace for them.
    /// </summary>
    /// <returns>The number of requests still in flight when the deadline hit (0 when all finished in time).</returns>
    public async Task<int> DrainAsync(TimeSpan timeout, TimeProvider time, CancellationToken cancellationToken = default)
    {
        var idle = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Volatile.Write(ref _idle, idle);
        Interlocked.Exchange(ref _draining, 1);
        if (InFlight == 0) idle.TrySetResult();

        int leftAtDeadline = 0;
        try
        {
            await idle.Task.WaitAsync(timeout, time, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            leftAtDeadline = InFlight;
        }
        await _streamsClosing.CancelAsync().ConfigureAwait(false);
        try
        {
            await idle.Task.WaitAsync(TimeSpan.FromSeconds(5), time, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
        }
        return leftAtDeadline;
    }
}
