namespace Baton.Router.Metrics;

/// <summary>
/// Per-target counters, recorded lock-free on the request path: requests by status class,
/// connection failures, and a latency histogram; since the start, and over a rolling window.
/// </summary>
/// <param name="time">The clock of the rolling window; the system clock by default.</param>
public sealed class TargetMetrics(TimeProvider? time = null)
{
    /// <summary>Upper bounds of the latency buckets, in seconds (the last bucket is +Inf).</summary>
    public static readonly double[] BucketBounds = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

    private static readonly long[] BucketTicks = BucketBounds.Select(s => (long)(s * TimeSpan.TicksPerSecond)).ToArray();

    private readonly long[] _byClass = new long[5];
    private readonly long[] _buckets = new long[BucketBounds.Length + 1];
    private long _latencySumTicks;
    private long _connectFailures;

    /// <summary>The last two minutes, for comparing a canary with the live pool.</summary>
    public RollingWindow Window { get; } = new(time ?? TimeProvider.System);

    /// <param name="inWindow">
    /// False for a request whose last attempt failed to connect: <see cref="RecordConnectFailure"/>
    /// already counted that attempt in the window as an error.
    /// </param>
    public void Record(int statusCode, TimeSpan elapsed, bool inWindow = true)
    {
        int cls = statusCode / 100 - 1;
        if ((uint)cls < 5u) Interlocked.Increment(ref _byClass[cls]);
        long ticks = elapsed.Ticks;
        int i = 0;
        while (i < BucketTicks.Length && ticks > BucketTicks[i]) i++;
        Interlocked.Increment(ref _buckets[i]);
        Interlocked.Add(ref _latencySumTicks, ticks);
        if (inWindow) Window.Record(statusCode >= 500, i);
    }

    public void RecordConnectFailure()
    {
        Interlocked.Increment(ref _connectFailures);
        Window.RecordConnectFailure();
    }

    /// <summary>Sums the last <paramref name="seconds"/> seconds of every target (a target listed twice counts once).</summary>
    public static WindowStats Aggregate(IEnumerable<TargetMetrics> targets, int seconds)
    {
        var sum = new WindowSum();
        foreach (var m in targets.Distinct()) m.Window.AddTo(sum, seconds);
        return sum.Result(Math.Clamp(seconds, 1, RollingWindow.Seconds));
    }

    public long CountOfClass(int hundreds) => Volatile.Read(ref _byClass[hundreds - 1]);

    public long Requests
    {
        get
        {
            long n = 0;
            for (int i = 0; i < _byClass.Length; i++) n += Volatile.Read(ref _byClass[i]);
            return n;
        }
    }

    public long ConnectFailures => Volatile.Read(ref _connectFailures);

    public double LatencySumSeconds => Volatile.Read(ref _latencySumTicks) / (double)TimeSpan.TicksPerSecond;

    /// <summary>Cumulative bucket counts, as Prometheus wants them (last one is the total).</summary>
    public long[] CumulativeBuckets()
    {
        var result = new long[_buckets.Length];
        long running = 0;
        for (int i = 0; i < _buckets.Length; i++)
        {
            running += Volatile.Read(ref _buckets[i]);
            result[i] = running;
        }
        return result;
    }
}
