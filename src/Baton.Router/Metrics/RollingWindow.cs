namespace Baton.Router.Metrics;

/// <summary>
/// The last <see cref="Seconds"/> seconds of one target's traffic, in one-second slots: requests,
/// errors (5xx answers and failed connections) and latency bucket counts. Recording is lock-free
/// except for the first record of each new second in a slot, which clears that slot under a lock
/// (at most once per second per target). Readers see a slot that is being cleared either before
/// or after: the numbers are for watching a canary, not for billing.
/// </summary>
public sealed class RollingWindow
{
    /// <summary>How far back the window reaches: 120 s, so a 60 s comparison always has whole slots.</summary>
    public const int Seconds = 120;

    // Per slot: [0] requests, [1] errors, [2..15] the 14 latency buckets of TargetMetrics (13 bounds and +Inf).
    private const int Stride = 16;
    private const int RequestsAt = 0;
    private const int ErrorsAt = 1;
    private const int BucketsAt = 2;

    private readonly TimeProvider _time;
    private readonly long[] _counts = new long[Seconds * Stride];
    // The second each slot holds, or -1 when it has never been used.
    private readonly long[] _stamps = Enumerable.Repeat(-1L, Seconds).ToArray();
    private readonly Lock _rollover = new();

    public RollingWindow(TimeProvider time) => _time = time;

    /// <summary>One finished request; <paramref name="bucket"/> is its latency bucket index.</summary>
    public void Record(bool error, int bucket)
    {
        int at = SlotOffset();
        Interlocked.Increment(ref _counts[at + RequestsAt]);
        if (error) Interlocked.Increment(ref _counts[at + ErrorsAt]);
        Interlocked.Increment(ref _counts[at + BucketsAt + bucket]);
    }

    /// <summary>A connection that failed: an attempt and an error, with no latency sample.</summary>
    public void RecordConnectFailure()
    {
        int at = SlotOffset();
        Interlocked.Increment(ref _counts[at + RequestsAt]);
        Interlocked.Increment(ref _counts[at + ErrorsAt]);
    }

    /// <summary>
    /// Adds the last <paramref name="seconds"/> seconds (the current, partial second and the
    /// <paramref name="seconds"/> − 1 before it) to <paramref name="sum"/>.
    /// </summary>
    public void AddTo(WindowSum sum, int seconds)
    {
        seconds = Math.Clamp(seconds, 1, Seconds);
        long now = NowSecond();
        AddSeconds(sum, now - seconds + 1, now);
    }

    /// <summary>
    /// Adds the seconds from <paramref name="from"/> up to, not including, <paramref name="to"/>
    /// (seconds of <see cref="SecondOf"/> on the window's clock), as far as the window still holds them.
    /// </summary>
    public void AddRange(WindowSum sum, long from, long to)
    {
        long now = NowSecond();
        AddSeconds(sum, Math.Max(from, now - Seconds + 1), Math.Min(to - 1, now));
    }

    /// <summary>The second the next record counts in: the clock's timestamp in whole seconds.</summary>
    public static long SecondOf(TimeProvider time) => time.GetTimestamp() / time.TimestampFrequency;

    private void AddSeconds(WindowSum sum, long first, long last)
    {
        for (long s = first; s <= last; s++)
        {
            int slot = (int)(s % Seconds);
            if (Volatile.Read(ref _stamps[slot]) != s) continue;
            int at = slot * Stride;
            sum.Requests += Volatile.Read(ref _counts[at + RequestsAt]);
            sum.Errors += Volatile.Read(ref _counts[at + ErrorsAt]);
            for (int b = 0; b < sum.Buckets.Length; b++) sum.Buckets[b] += Volatile.Read(ref _counts[at + BucketsAt + b]);
        }
    }

    private long NowSecond() => SecondOf(_time);

    private int SlotOffset()
    {
        long now = NowSecond();
        int slot = (int)(now % Seconds);
        if (Volatile.Read(ref _stamps[slot]) != now) Roll(slot, now);
        return slot * Stride;
    }

    private void Roll(int slot, long now)
    {
        lock (_rollover)
        {
            long stamp = _stamps[slot];
            // Already rolled by another thread, or a late writer from an older second: keep it.
            if (stamp >= now) return;
            Array.Clear(_counts, slot * Stride, Stride);
            // Publish the stamp after the clear: a writer that sees the new stamp counts into a clean slot.
            Volatile.Write(ref _stamps[slot], now);
        }
    }
}

/// <summary>A running total over targets' windows; <see cref="Result"/> turns it into the numbers status shows.</summary>
public sealed class WindowSum
{
    public long Requests { get; set; }
    public long Errors { get; set; }
    /// <summary>Latency bucket counts, not cumulative, indexed like <see cref="TargetMetrics.BucketBounds"/> plus +Inf.</summary>
    public long[] Buckets { get; } = new long[TargetMetrics.BucketBounds.Length + 1];

    public WindowStats Result(int seconds) => new(seconds, Requests, Errors, Requests == 0 ? 0 : (double)Errors / Requests, Percentile(Buckets, 0.95));

    /// <summary>
    /// The <paramref name="q"/> quantile of the latency, in seconds, or null with no samples. Like
    /// Prometheus's <c>histogram_quantile</c>: find the bucket holding the rank, then interpolate
    /// linearly between its lower and upper bound (the first bucket starts at 0). A rank in the
    /// +Inf bucket gives the highest finite bound (10 s), since there is no upper bound to interpolate to.
    /// </summary>
    public static double? Percentile(long[] buckets, double q)
    {
        long total = 0;
        foreach (var n in buckets) total += n;
        if (total == 0) return null;
        double rank = q * total;
        var bounds = TargetMetrics.BucketBounds;
        long below = 0;
        for (int i = 0; i < buckets.Length; i++)
        {
            long n = buckets[i];
            if (n > 0 && below + n >= rank)
            {
                if (i == bounds.Length) return bounds[^1];
                double lower = i == 0 ? 0 : bounds[i - 1];
                return lower + (bounds[i] - lower) * ((rank - below) / n);
            }
            below += n;
        }
        return bounds[^1];
    }
}

/// <summary>A pool's traffic over the last <paramref name="Seconds"/> seconds.</summary>
/// <param name="ErrorRate">Errors / Requests, 0 with no requests.</param>
/// <param name="P95Seconds">95th percentile latency (see <see cref="WindowSum.Percentile"/>), null with no samples.</param>
public sealed record WindowStats(int Seconds, long Requests, long Errors, double ErrorRate, double? P95Seconds);
