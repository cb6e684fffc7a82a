using Baton.Router.Forwarding;
using Microsoft.Extensions.Primitives;

namespace Baton.Router.Tests.Forwarding;

public sealed class CanarySplitTests
{
    [Theory]
    [InlineData(0, 20, true)]
    [InlineData(1999, 20, true)]
    [InlineData(2000, 20, false)]
    [InlineData(9999, 100, true)]
    [InlineData(0, 0, false)]
    [InlineData(49, 0.5, true)]
    [InlineData(50, 0.5, false)]
    public void InCandidate_BucketBelowPercentTimes100(int bucket, double percent, bool expected) =>
        Assert.Equal(expected, CanarySplit.InCandidate(bucket, percent));

    [Fact]
    public void InCandidate_RaisingPercent_KeepsEveryEarlierCanaryBucket()
    {
        double[] steps = [0.5, 1, 5, 20, 33.33, 50, 100];
        for (int bucket = 0; bucket < CanarySplit.Buckets; bucket++)
        {
            bool was = false;
            foreach (var percent in steps)
            {
                bool now = CanarySplit.InCandidate(bucket, percent);
                Assert.False(was && !now, $"bucket {bucket} left the canary when the share rose to {percent} %");
                was = now;
            }
        }
    }

    [Fact]
    public void InCandidate_AllBuckets_ShareMatchesPercent()
    {
        int inCanary = Enumerable.Range(0, CanarySplit.Buckets).Count(b => CanarySplit.InCandidate(b, 20));
        Assert.Equal(2000, inCanary);
    }

    [Theory]
    [InlineData("baton_canary=42", 42)]
    [InlineData("a=1; baton_canary=9999; b=2", 9999)]
    [InlineData("baton_canary_force=never; baton_canary=7", 7)]
    [InlineData("baton_canary=\"13\"", 13)]
    [InlineData("baton_canary=10000", -1)]
    [InlineData("baton_canary=-1", -1)]
    [InlineData("baton_canary=x", -1)]
    [InlineData("baton_canary=", -1)]
    [InlineData("xbaton_canary=5", -1)]
    [InlineData("", -1)]
    public void Bucket_FromCookieHeader(string cookie, int expected) =>
        Assert.Equal(expected, CanarySplit.Bucket(new StringValues(cookie)));

    [Fact]
    public void Bucket_SecondCookieHeader_Found() =>
        Assert.Equal(5, CanarySplit.Bucket(new StringValues(["a=1", "baton_canary=5"])));

    [Theory]
    [InlineData("always", "", true)]
    [InlineData("NEVER", "", false)]
    [InlineData(null, "baton_canary_force=always", true)]
    [InlineData(null, "baton_canary=1; baton_canary_force=never", false)]
    [InlineData("never", "baton_canary_force=always", false)]
    [InlineData("sometimes", "baton_canary_force=always", null)]
    [InlineData(null, "baton_canary=1", null)]
    public void Forced_HeaderWinsOverCookie(string? header, string cookie, bool? expected) =>
        Assert.Equal(expected, CanarySplit.Forced(header is null ? StringValues.Empty : new StringValues(header), new StringValues(cookie)));

    [Fact]
    public void SetCookie_SticksForADay() =>
        Assert.Equal("baton_canary=37; Path=/; Max-Age=86400; HttpOnly; SameSite=Lax", CanarySplit.SetCookie(37));
}
