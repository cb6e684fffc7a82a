using System.Diagnostics;
using Baton.Router.Targets;
using Baton.Router.Tests.Testing;

namespace Baton.Router.Tests.Targets;

public sealed class TargetTests
{
    private static Target Healthy(int port = 1, int weight = 1) => new(new TargetAddress("127.0.0.1", port), weight, TargetHealth.Healthy);

    [Theory]
    [InlineData("127.0.0.1:5001", "127.0.0.1", 5001)]
    [InlineData(" localhost:80 ", "localhost", 80)]
    [InlineData("[::1]:9000", "::1", 9000)]
    [InlineData("App.Internal:443", "app.internal", 443)]
    public void TryParse_ValidAddress_Parses(string text, string host, int port)
    {
        Assert.True(TargetAddress.TryParse(text, out var a, out _));
        Assert.Equal(new TargetAddress(host, port), a);
    }

    [Theory]
    [InlineData("")]
    [InlineData("127.0.0.1")]
    [InlineData("127.0.0.1:0")]
    [InlineData("127.0.0.1:70000")]
    [InlineData(":80")]
    [InlineData("::1:80")]
    [InlineData("bad host:80")]
    public void TryParse_InvalidAddress_SaysWhy(string text)
    {
        Assert.False(TargetAddress.TryParse(text, out _, out var error));
        Assert.Contains(text.Trim().Length == 0 ? "HOST:PORT" : text, error);
    }

    [Fact]
    public void Pick_SkipsPendingUnhealthyAndDrainingTargets()
    {
        var pending = new Target(new TargetAddress("127.0.0.1", 1));
        var unhealthy = new Target(new TargetAddress("127.0.0.1", 2), 1, TargetHealth.Unhealthy);
        var draining = Healthy(3);
        _ = draining.DrainAsync(TimeSpan.FromMinutes(1), TimeProvider.System);
        var good = Healthy(4);
        var pool = new TargetPool([pending, unhealthy, draining, good]);
        for (int i = 0; i < 50; i++) Assert.Same(good, pool.Pick());
        Assert.Null(pool.Pick(good));
    }

    [Fact]
    public void Pick_FollowsWeights()
    {
        var light = Healthy(1, weight: 1);
        var heavy = Healthy(2, weight: 9);
        var pool = new TargetPool([light, heavy]);
        int heavyPicks = Enumerable.Range(0, 2000).Count(_ => pool.Pick() == heavy);
        // Two weighted choices favour the heavy target far beyond an even split.
        Assert.InRange(heavyPicks, 1600, 2000);
    }

    [Fact]
    public void Pick_PrefersFewerInFlight()
    {
        var busy = Healthy(1);
        var idle = Healthy(2);
        for (int i = 0; i < 10; i++) Assert.True(busy.TryAcquire());
        var pool = new TargetPool([busy, idle]);
        int idlePicks = Enumerable.Range(0, 1000).Count(_ => pool.Pick() == idle);
        Assert.True(idlePicks > 700, $"idle picked {idlePicks} times of 1000");
    }

    [Fact]
    public async Task DrainAsync_WaitsForInFlight_ThenRefusesNewRequests()
    {
        var clock = new ManualTimeProvider();
        var target = Healthy();
        Assert.True(target.TryAcquire());
        var drain = target.DrainAsync(TimeSpan.FromSeconds(30), clock);
        Assert.False(target.TryAcquire());
        Assert.False(target.IsAvailable);
        Assert.False(drain.IsCompleted);
        target.Release();
        Assert.Equal(0, await drain.WaitAsync(TimeSpan.FromSeconds(5)));
        Assert.False(target.StreamsClosing.IsCancellationRequested && target.InFlight > 0);
    }

    [Fact]
    public async Task DrainAsync_AtDeadline_ClosesLongLivedStreams()
    {
        var clock = new ManualTimeProvider();
        var target = Healthy();
        Assert.True(target.TryAcquire());
        target.StreamsClosing.Register(target.Release); // a stream that ends when told to close
        var drain = target.DrainAsync(TimeSpan.FromSeconds(30), clock);
        clock.Advance(TimeSpan.FromSeconds(29));
        Assert.False(target.StreamsClosing.IsCancellationRequested);
        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(1, await drain.WaitAsync(TimeSpan.FromSeconds(5)));
        Assert.Equal(0, target.InFlight);
    }

    [Fact]
    public void ReportConnectFailure_EjectsAfterThreshold_AndSuccessResetsCount()
    {
        var target = Healthy();
        Assert.False(target.ReportConnectFailure(3));
        Assert.False(target.ReportConnectFailure(3));
        target.ReportConnected(Stopwatch.GetTimestamp());
        Assert.False(target.ReportConnectFailure(3));
        Assert.False(target.ReportConnectFailure(3));
        Assert.True(target.ReportConnectFailure(3));
        Assert.Equal(TargetHealth.Unhealthy, target.Health);
        Assert.Equal(5, target.Metrics.ConnectFailures);
    }

    [Fact]
    public void AnAnswerToARequestStartedBeforeTheFailure_NeitherEndsTheRunNorClearsRecentlyFailed()
    {
        var target = Healthy();
        long before = Stopwatch.GetTimestamp();
        Assert.False(target.RecentlyFailed);
        Assert.False(target.ReportFailedAnswer(3));
        Assert.False(target.ReportFailedAnswer(3));
        Assert.True(target.RecentlyFailed);
        target.ReportConnected(before);     // in flight since before the failures: says nothing of the target now
        Assert.True(target.RecentlyFailed);
        Assert.True(target.ReportConnectFailure(3));
        Assert.Equal(TargetHealth.Unhealthy, target.Health);
    }

    [Fact]
    public void AnAnswerToARequestStartedAfterTheFailure_EndsTheRunAndClearsRecentlyFailed()
    {
        var target = Healthy();
        Assert.False(target.ReportFailedAnswer(3));
        Assert.False(target.ReportFailedAnswer(3));
        target.ReportConnected(Stopwatch.GetTimestamp());
        Assert.False(target.RecentlyFailed);
        Assert.False(target.ReportFailedAnswer(3));
        Assert.False(target.ReportFailedAnswer(3));
        Assert.Equal(TargetHealth.Healthy, target.Health);
    }

    [Fact]
    public void AProbePassedAfterTheFailure_ClearsRecentlyFailed_ButTheRunGoesOn()
    {
        var target = Healthy();
        long before = Stopwatch.GetTimestamp();
        Assert.False(target.ReportFailedAnswer(3));
        target.ReportProbePassed(before);
        Assert.True(target.RecentlyFailed);
        target.ReportProbePassed(Stopwatch.GetTimestamp());
        Assert.False(target.RecentlyFailed);
        // An app that answers its probes and drops requests is still ejected by the run.
        Assert.False(target.ReportFailedAnswer(3));
        Assert.True(target.RecentlyFailed);
        Assert.True(target.ReportFailedAnswer(3));
        Assert.Equal(TargetHealth.Unhealthy, target.Health);
    }

    [Fact]
    public void RequestUri_SamePathAgain_GivesTheSameUri_AnotherPathItsOwn()
    {
        var target = Healthy(port: 5001);
        var first = target.RequestUri("/a?x=1");
        Assert.Same(first, target.RequestUri("/a?x=1"));
        var other = target.RequestUri("/a?x=2");
        Assert.NotSame(first, other);
        Assert.Equal("http://127.0.0.1:5001/a?x=2", other.OriginalString);
        // A path that only starts like the last one is not taken for it.
        Assert.Equal("/a?x=22", target.RequestUri("/a?x=22").PathAndQuery);
        Assert.Equal("/a?x=1", target.RequestUri("/a?x=1").PathAndQuery);
    }

    [Theory]
    [InlineData("/a/%2F..%2fb")]
    [InlineData("/%E4%F6?q=a%20b&r=/../")]
    [InlineData("/a/../b/./c")]
    public void RequestUri_PathAndQuery_SentAsGiven_AlsoWhenReused(string pathAndQuery)
    {
        var target = Healthy(port: 5001);
        Assert.Equal(pathAndQuery, target.RequestUri(pathAndQuery).PathAndQuery);
        Assert.Equal(pathAndQuery, target.RequestUri(pathAndQuery).PathAndQuery);
    }
}
