using Baton.Router.Metrics;
using Baton.Router.Routing;
using Baton.Router.Targets;
using Baton.Router.Tests.Testing;

namespace Baton.Router.Tests.Metrics;

public sealed class TrafficSeriesTests
{
    private readonly ManualTimeProvider _clock = new();
    private readonly Target _blue;
    private readonly Target _green;

    public TrafficSeriesTests()
    {
        // Start on a step boundary, so each test knows which step a record falls in.
        long second = RollingWindow.SecondOf(_clock);
        _clock.Advance(TimeSpan.FromSeconds((TrafficSeries.StepSeconds - second % TrafficSeries.StepSeconds) % TrafficSeries.StepSeconds));
        _blue = new Target(Address("127.0.0.1:7001"), time: _clock);
        _green = new Target(Address("127.0.0.1:7002"), time: _clock);
    }

    private static TargetAddress Address(string text) => TargetAddress.TryParse(text, out var a, out _) ? a : throw new ArgumentException(text);

    private static TimeSpan Ms(double ms) => TimeSpan.FromMilliseconds(ms);

    private void Seconds(double s) => _clock.Advance(TimeSpan.FromSeconds(s));

    private RouteTable Table(bool candidate = false) => new(new Dictionary<string, ServiceEntry>
    {
        ["web"] = new()
        {
            Name = "web",
            Active = new TargetPool([_blue], "blue"),
            Candidate = candidate ? new TargetPool([_green], "green") : null,
        },
    }, 1);

    [Fact]
    public void Sample_CountsEachWholeStepOnce_RequestsPerSecondAndErrorRate()
    {
        var series = new TrafficSeries(_clock);
        var table = Table();
        series.Sample(table); // the first sample: nothing whole yet to add but an empty step
        for (int i = 0; i < 6; i++) _blue.Metrics.Record(200, Ms(3));
        Seconds(3);
        for (int i = 0; i < 4; i++) _blue.Metrics.Record(200, Ms(3));
        Seconds(2); // step 1 ends: 10 requests
        _blue.Metrics.Record(200, Ms(3));
        _blue.Metrics.Record(500, Ms(3));
        _blue.Metrics.Record(504, Ms(3)); // the router's own timeout answer, counted against the target
        _blue.Metrics.RecordConnectFailure();
        series.Sample(table);
        Seconds(4.5); // step 2 not over yet: its requests wait
        series.Sample(table);
        Seconds(0.5);
        series.Sample(table);
        series.Sample(table); // twice in the same step: nothing is counted twice

        var points = series.Read("web")!.Colours.Single(c => c.Colour == "blue").Points.Skip(1).ToList(); // after the first, empty step
        Assert.Equal(2, points.Count);
        Assert.Equal(10, points[0].Requests);
        Assert.Equal(2.0, points[0].RequestsPerSecond);
        Assert.Equal(0.0, points[0].ErrorRate);
        Assert.Equal(4, points[1].Requests);
        Assert.Equal(3, points[1].Errors);
        Assert.Equal(0.75, points[1].ErrorRate);
        Assert.Equal(TimeSpan.FromSeconds(TrafficSeries.StepSeconds), points[1].At - points[0].At);
    }

    [Fact]
    public void Sample_P95PerStep_FromThatStepsLatenciesOnly()
    {
        var series = new TrafficSeries(_clock);
        var table = Table();
        series.Sample(table);
        for (int i = 0; i < 90; i++) _blue.Metrics.Record(200, Ms(3));
        for (int i = 0; i < 10; i++) _blue.Metrics.Record(200, Ms(200));
        Seconds(5);
        for (int i = 0; i < 20; i++) _blue.Metrics.Record(200, Ms(3));
        Seconds(5);
        series.Sample(table);
        Seconds(5);
        series.Sample(table);

        var points = series.Read("web")!.Colours.Single().Points.Skip(1).ToList();
        Assert.Equal(3, points.Count);
        // Rank 95 of 100 lies in the 100–250 ms bucket, 5 of its 10 in: 100 + 150 × 0.5.
        Assert.Equal(175, points[0].P95Ms!.Value, 3);
        Assert.True(points[1].P95Ms < 5, $"the second step had only 3 ms requests, not {points[1].P95Ms} ms");
        Assert.Null(points[2].P95Ms);
        Assert.Null(points[2].ErrorRate);
        Assert.Equal(0, points[2].RequestsPerSecond);
    }

    [Fact]
    public void Sample_KeepsFifteenMinutes_DropsOlderPoints()
    {
        var series = new TrafficSeries(_clock);
        var table = Table();
        for (int i = 0; i < 200; i++)
        {
            _blue.Metrics.Record(200, Ms(3));
            Seconds(TrafficSeries.StepSeconds);
            series.Sample(table);
        }

        var read = series.Read("web")!;
        var points = read.Colours.Single().Points;
        Assert.Equal(TrafficSeries.WindowSeconds / TrafficSeries.StepSeconds, points.Count);
        Assert.True(points[0].At >= read.To - TimeSpan.FromSeconds(TrafficSeries.WindowSeconds), $"oldest point {points[0].At:O}, now {read.To:O}");
        Assert.All(points, p => Assert.Equal(1, p.Requests));
    }

    [Fact]
    public void Sample_TimerLate_AddsEveryMissedStep()
    {
        var series = new TrafficSeries(_clock);
        var table = Table();
        series.Sample(table);
        for (int step = 0; step < 4; step++)
        {
            for (int i = 0; i <= step; i++) _blue.Metrics.Record(200, Ms(3));
            Seconds(TrafficSeries.StepSeconds);
        }
        series.Sample(table); // 20 s late

        var points = series.Read("web")!.Colours.Single().Points;
        Assert.Equal([0L, 1, 2, 3, 4], points.Select(p => p.Requests));
    }

    [Fact]
    public void Sample_OneLinePerColour_AndForgetsAServiceNoLongerRouted()
    {
        var series = new TrafficSeries(_clock);
        var both = Table(candidate: true);
        series.Sample(both);
        _blue.Metrics.Record(200, Ms(3));
        _blue.Metrics.Record(200, Ms(3));
        _green.Metrics.Record(500, Ms(3));
        Seconds(TrafficSeries.StepSeconds);
        series.Sample(both);

        var colours = series.Read("web")!.Colours;
        Assert.Equal(["blue", "green"], colours.Select(c => c.Colour));
        Assert.Equal(2, colours[0].Points[^1].Requests);
        Assert.Equal(1.0, colours[1].Points[^1].ErrorRate);

        series.Sample(new RouteTable(new Dictionary<string, ServiceEntry>(), 2));
        Assert.Null(series.Read("web"));
    }
}
