using Baton.Router.Metrics;
using Baton.Router.Tests.Testing;

namespace Baton.Router.Tests.Metrics;

public sealed class RollingWindowTests
{
    private readonly ManualTimeProvider _clock = new();

    private static TimeSpan Ms(double ms) => TimeSpan.FromMilliseconds(ms);

    [Fact]
    public void Aggregate_CountsRequestsAndErrors_5xxAndConnectFailures()
    {
        var m = new TargetMetrics(_clock);
        for (int i = 0; i < 7; i++) m.Record(200, Ms(3));
        m.Record(404, Ms(3));
        m.Record(503, Ms(3));
        m.RecordConnectFailure();

        var w = TargetMetrics.Aggregate([m], 60);

        Assert.Equal(10, w.Requests);
        Assert.Equal(2, w.Errors);
        Assert.Equal(0.2, w.ErrorRate, 6);
        Assert.Equal(60, w.Seconds);
    }

    [Fact]
    public void Aggregate_OldSlotsFallOutOfTheWindow()
    {
        var m = new TargetMetrics(_clock);
        m.Record(500, Ms(1));
        _clock.Advance(TimeSpan.FromSeconds(30));
        m.Record(200, Ms(1));
        m.Record(200, Ms(1));

        Assert.Equal(3, TargetMetrics.Aggregate([m], 60).Requests);
        Assert.Equal(2, TargetMetrics.Aggregate([m], 10).Requests);

        _clock.Advance(TimeSpan.FromSeconds(31));
        var w = TargetMetrics.Aggregate([m], 60);
        Assert.Equal(2, w.Requests);
        Assert.Equal(0, w.Errors);

        _clock.Advance(TimeSpan.FromSeconds(60));
        Assert.Equal(0, TargetMetrics.Aggregate([m], 60).Requests);
        Assert.Null(TargetMetrics.Aggregate([m], 60).P95Seconds);
        Assert.Equal(0, TargetMetrics.Aggregate([m], 60).ErrorRate);
    }

    [Fact]
    public void Record_SlotReusedAfterTheRingWraps_StartsFromZero()
    {
        var m = new TargetMetrics(_clock);
        for (int i = 0; i < 5; i++) m.Record(500, Ms(1));
        // Exactly one ring later the same slot is used for a new second.
        _clock.Advance(TimeSpan.FromSeconds(RollingWindow.Seconds));
        m.Record(200, Ms(1));

        var w = TargetMetrics.Aggregate([m], RollingWindow.Seconds);
        Assert.Equal(1, w.Requests);
        Assert.Equal(0, w.Errors);
    }

    [Fact]
    public void Aggregate_P95_InterpolatedInsideTheBucket()
    {
        var m = new TargetMetrics(_clock);
        // 90 fast requests (≤ 1 ms bucket) and 10 in the 50–100 ms bucket: rank 95 is the 5th of those 10.
        for (int i = 0; i < 90; i++) m.Record(200, Ms(0.5));
        for (int i = 0; i < 10; i++) m.Record(200, Ms(80));

        var p95 = TargetMetrics.Aggregate([m], 60).P95Seconds;

        Assert.NotNull(p95);
        Assert.Equal(0.075, p95.Value, 6);
    }

    [Fact]
    public void Aggregate_P95_InTheInfBucket_IsTheHighestBound()
    {
        var m = new TargetMetrics(_clock);
        for (int i = 0; i < 10; i++) m.Record(200, TimeSpan.FromSeconds(30));
        Assert.Equal(10, TargetMetrics.Aggregate([m], 60).P95Seconds);
    }

    [Fact]
    public void Aggregate_ConnectFailureOnly_HasNoLatency()
    {
        var m = new TargetMetrics(_clock);
        m.RecordConnectFailure();
        var w = TargetMetrics.Aggregate([m], 60);
        Assert.Equal(1, w.Requests);
        Assert.Equal(1.0, w.ErrorRate);
        Assert.Null(w.P95Seconds);
    }

    [Fact]
    public void Record_NotInWindow_CountsOnlySinceStart()
    {
        var m = new TargetMetrics(_clock);
        m.RecordConnectFailure();
        m.Record(502, Ms(2), inWindow: false);
        Assert.Equal(1, TargetMetrics.Aggregate([m], 60).Requests);
        Assert.Equal(1, m.Requests);
    }

    [Fact]
    public void Aggregate_SumsAPoolsTargets_EachOnce()
    {
        var a = new TargetMetrics(_clock);
        var b = new TargetMetrics(_clock);
        a.Record(200, Ms(1));
        b.Record(500, Ms(1));
        b.Record(200, Ms(1));

        var w = TargetMetrics.Aggregate([a, b, b], 60);

        Assert.Equal(3, w.Requests);
        Assert.Equal(1, w.Errors);
    }

    [Fact]
    public void Percentile_BucketLayout_FitsTheSlotStride() =>
        // RollingWindow keeps 2 counters and the buckets in 16 longs per slot.
        Assert.Equal(14, TargetMetrics.BucketBounds.Length + 1);
}
