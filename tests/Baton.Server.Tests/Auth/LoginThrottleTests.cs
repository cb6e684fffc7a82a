using Baton.Server.Auth;

namespace Baton.Server.Tests.Auth;

public sealed class LoginThrottleTests
{
    private static readonly LoginThrottleOptions Options = new()
    {
        FreeFailuresPerUser = 5,
        FreeFailuresPerAddress = 20,
        FirstDelay = TimeSpan.FromSeconds(30),
        MaxDelay = TimeSpan.FromMinutes(15),
        Window = TimeSpan.FromMinutes(15),
    };

    [Fact]
    public void Failures_BelowLimit_NoWait()
    {
        var throttle = new LoginThrottle(new ManualClock(), Options);
        for (int i = 0; i < 4; i++) throttle.Failed("alice", "10.0.0.1");
        Assert.Null(throttle.RetryAfter("alice", "10.0.0.1"));
    }

    [Fact]
    public void Failures_AtLimit_WaitThenDoublesWithEachFurtherFailure()
    {
        var clock = new ManualClock();
        var throttle = new LoginThrottle(clock, Options);
        for (int i = 0; i < 5; i++) throttle.Failed("alice", "10.0.0.1");
        Assert.Equal(TimeSpan.FromSeconds(30), throttle.RetryAfter("alice", "10.0.0.1"));
        // Another address trying the same user waits too.
        Assert.Equal(TimeSpan.FromSeconds(30), throttle.RetryAfter("Alice", "10.0.0.2"));
        // Another user from the same address does not.
        Assert.Null(throttle.RetryAfter("bob", "10.0.0.1"));

        clock.Advance(TimeSpan.FromSeconds(30));
        Assert.Null(throttle.RetryAfter("alice", "10.0.0.1"));
        throttle.Failed("alice", "10.0.0.1");
        Assert.Equal(TimeSpan.FromSeconds(60), throttle.RetryAfter("alice", "10.0.0.1"));
        clock.Advance(TimeSpan.FromSeconds(60));
        throttle.Failed("alice", "10.0.0.1");
        Assert.Equal(TimeSpan.FromSeconds(120), throttle.RetryAfter("alice", "10.0.0.1"));
    }

    [Fact]
    public void Delay_CappedAtMax()
    {
        var clock = new ManualClock();
        var throttle = new LoginThrottle(clock, Options with { Window = TimeSpan.FromDays(1) });
        for (int i = 0; i < 40; i++) throttle.Failed("alice", "10.0.0.1");
        Assert.Equal(TimeSpan.FromMinutes(15), throttle.RetryAfter("alice", "10.0.0.1"));
    }

    [Fact]
    public void Success_ResetsCounts()
    {
        var clock = new ManualClock();
        var throttle = new LoginThrottle(clock, Options);
        for (int i = 0; i < 4; i++) throttle.Failed("alice", "10.0.0.1");
        throttle.Succeeded("alice", "10.0.0.1");
        for (int i = 0; i < 4; i++) throttle.Failed("alice", "10.0.0.1");
        Assert.Null(throttle.RetryAfter("alice", "10.0.0.1"));
    }

    [Fact]
    public void OldFailures_OutsideWindow_NotCounted()
    {
        var clock = new ManualClock();
        var throttle = new LoginThrottle(clock, Options);
        for (int i = 0; i < 4; i++) throttle.Failed("alice", "10.0.0.1");
        clock.Advance(TimeSpan.FromMinutes(16));
        throttle.Failed("alice", "10.0.0.1");
        Assert.Null(throttle.RetryAfter("alice", "10.0.0.1"));
    }

    [Fact]
    public void ManyNames_FromOneAddress_AddressWaits()
    {
        var throttle = new LoginThrottle(new ManualClock(), Options);
        for (int i = 0; i < 20; i++) throttle.Failed($"user{i}", "10.0.0.9");
        Assert.Equal(TimeSpan.FromSeconds(30), throttle.RetryAfter("someone-new", "10.0.0.9"));
        Assert.Null(throttle.RetryAfter("someone-new", "10.0.0.8"));
    }
}
