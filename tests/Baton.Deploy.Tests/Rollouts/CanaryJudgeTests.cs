using Baton.Deploy.Rollouts;
using Baton.Deploy.ServiceFile;

namespace Baton.Deploy.Tests.Rollouts;

public sealed class CanaryJudgeTests
{
    private static readonly CanarySpec Spec = new() { MinRequests = 50, MaxErrorRate = 0.02, MaxP95Increase = TimeSpan.FromMilliseconds(100), MaxP95Ratio = 1.5 };

    [Fact]
    public void FewerThanMinRequests_NotJudged_WhileTheLimitCanStillHold()
    {
        // 1 error: at 50 requests that would be 2 %, not above live 0 % + 2 %.
        var v = CanaryJudge.Judge(new PoolNumbers(10, 1, 5), new PoolNumbers(1000, 0, 5), Spec);
        Assert.False(v.Judged);
        Assert.False(v.Worse);
    }

    [Fact]
    public void FewerThanMinRequests_WorseOnceTheLimitCannotHold()
    {
        // 2 errors: at least 4 % at 50 requests, whatever comes next.
        var v = CanaryJudge.Judge(new PoolNumbers(10, 2, 5), new PoolNumbers(1000, 0, 5), Spec);
        Assert.True(v.Worse);
        Assert.Contains("2 errors in its first 10 requests", v.Reason);
    }

    [Theory]
    [InlineData(100, 2, 0, false)]   // 2 % vs 0 % + 2 points: at the limit, not above
    [InlineData(100, 3, 0, true)]    // 3 % > 2 %
    [InlineData(100, 10, 9, false)]  // 10 % vs 9 % + 2: the live release errs too
    [InlineData(200, 40, 0, true)]   // a fifth failing
    public void ErrorRate_ComparedWithLivePlusMargin(long requests, long errors, long liveErrorsPerHundred, bool worse)
    {
        var v = CanaryJudge.Judge(new PoolNumbers(requests, errors, 5), new PoolNumbers(100, liveErrorsPerHundred, 5), Spec);
        Assert.True(v.Judged);
        Assert.Equal(worse, v.Worse);
        if (worse) Assert.Contains("error rate", v.Reason);
    }

    [Theory]
    [InlineData(10, 205, true)]      // 200 ms slower
    [InlineData(10, 105, false)]     // +95 ms: under the 100 ms increase
    [InlineData(400, 580, false)]    // +180 ms but only 1.45×
    [InlineData(400, 610, true)]     // +210 ms and 1.53×
    public void P95_WorseOnlyBeyondBothIncreaseAndRatio(double live, double candidate, bool worse)
    {
        var v = CanaryJudge.Judge(new PoolNumbers(100, 0, candidate), new PoolNumbers(1000, 0, live), Spec);
        Assert.Equal(worse, v.Worse);
        if (worse) Assert.Contains("p95 latency", v.Reason);
    }

    [Fact]
    public void NoLiveLatency_LatencyNotJudged()
    {
        var v = CanaryJudge.Judge(new PoolNumbers(100, 0, 900), new PoolNumbers(0, 0, null), Spec);
        Assert.True(v.Judged);
        Assert.False(v.Worse);
    }

    [Fact]
    public void Numbers_ShowBothSides()
    {
        var v = CanaryJudge.Judge(new PoolNumbers(200, 40, 12), new PoolNumbers(4000, 0, 11), Spec);
        Assert.Equal("candidate 20.0% errors (40 of 200), p95 12 ms; live 0.0% errors (0 of 4,000), p95 11 ms", v.Numbers);
    }
}
