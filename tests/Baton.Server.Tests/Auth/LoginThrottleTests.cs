using Baton.Server.Auth;

namespace Baton.Server.Tests.Auth;

public sealed class LoginThrottleTests : IDisposable
{
    private static readonly LoginThrottleOptions Options = new()
    {
        FreeFailuresPerUser = 5,
        FreeFailuresPerAddress = 20,
        FirstDelay = TimeSpan.FromSeconds(30),
        MaxDelay = TimeSpan.FromMinutes(15),
        Window = TimeSpan.FromMinutes(15),
    };

    private readonly string _dir = Directory.CreateTempSubdirectory("baton-throttle-").FullName;
    private readonly ManualClock _clock = new();
    private readonly AccessStore _store;

    public LoginThrottleTests() => _store = new AccessStore(AccessStore.FileIn(_dir), _clock);

    public void Dispose()
    {
        _store.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    private LoginThrottle Throttle(LoginThrottleOptions? options = null) => new(_store, _clock, options ?? Options);

    [Fact]
    public void Failures_BelowLimit_NoWait()
    {
        var throttle = Throttle();
        for (int i = 0; i < 4; i++) throttle.Failed("alice", "10.0.0.1");
        Assert.Null(throttle.RetryAfter("alice", "10.0.0.1"));
    }

    [Fact]
    public void UserFailures_AtLimit_WaitDoublesWithEachFurtherFailure_OnlyFromAddressesThatFailed()
    {
        var throttle = Throttle();
        for (int i = 0; i < 5; i++) throttle.Failed("alice", "10.0.0.1");
        Assert.Equal(TimeSpan.FromSeconds(30), throttle.RetryAfter("alice", "10.0.0.1"));
        // An address that never failed is not locked out of alice's account.
        Assert.Null(throttle.RetryAfter("Alice", "10.0.0.2"));
        // Another user from the failing address is not held either.
        Assert.Null(throttle.RetryAfter("bob", "10.0.0.1"));

        _clock.Advance(TimeSpan.FromSeconds(30));
        Assert.Null(throttle.RetryAfter("alice", "10.0.0.1"));
        throttle.Failed("alice", "10.0.0.1");
        Assert.Equal(TimeSpan.FromSeconds(60), throttle.RetryAfter("alice", "10.0.0.1"));
        _clock.Advance(TimeSpan.FromSeconds(60));
        throttle.Failed("alice", "10.0.0.1");
        Assert.Equal(TimeSpan.FromSeconds(120), throttle.RetryAfter("alice", "10.0.0.1"));
    }

    [Fact]
    public void UserFailuresSpreadOverAddresses_EachFailedAddressWaits_CleanOneDoesNot()
    {
        var throttle = Throttle();
        for (int i = 0; i < 5; i++) throttle.Failed("alice", $"10.0.0.{i}");
        for (int i = 0; i < 5; i++) Assert.Equal(TimeSpan.FromSeconds(30), throttle.RetryAfter("alice", $"10.0.0.{i}"));
        Assert.Null(throttle.RetryAfter("alice", "10.0.0.99"));
    }

    [Fact]
    public void Delay_CappedAtMax()
    {
        var throttle = Throttle(Options with { Window = TimeSpan.FromDays(1) });
        for (int i = 0; i < 40; i++) throttle.Failed("alice", "10.0.0.1");
        Assert.Equal(TimeSpan.FromMinutes(15), throttle.RetryAfter("alice", "10.0.0.1"));
    }

    [Fact]
    public void Success_ClearsOnlyThatUsersFailuresFromThatAddress()
    {
        var throttle = Throttle();
        for (int i = 0; i < 4; i++) throttle.Failed("alice", "10.0.0.1");
        throttle.Succeeded("alice", "10.0.0.1");
        for (int i = 0; i < 4; i++) throttle.Failed("alice", "10.0.0.1");
        Assert.Null(throttle.RetryAfter("alice", "10.0.0.1"));

        // Failures for other users from the address stay counted after a success there.
        for (int i = 0; i < 16; i++) throttle.Failed($"user{i}", "10.0.0.1");
        throttle.Succeeded("mallory", "10.0.0.1");
        Assert.Equal(TimeSpan.FromSeconds(30), throttle.RetryAfter("mallory", "10.0.0.1"));
    }

    [Fact]
    public void OldFailures_OutsideWindow_NotCounted()
    {
        var throttle = Throttle();
        for (int i = 0; i < 4; i++) throttle.Failed("alice", "10.0.0.1");
        _clock.Advance(TimeSpan.FromMinutes(16));
        throttle.Failed("alice", "10.0.0.1");
        Assert.Null(throttle.RetryAfter("alice", "10.0.0.1"));
    }

    [Fact]
    public void ManyNames_FromOneAddress_AddressWaits()
    {
        var throttle = Throttle();
        for (int i = 0; i < 20; i++) throttle.Failed($"user{i}", "10.0.0.9");
        Assert.Equal(TimeSpan.FromSeconds(30), throttle.RetryAfter("someone-new", "10.0.0.9"));
        Assert.Null(throttle.RetryAfter("someone-new", "10.0.0.8"));
    }

    [Fact]
    public void Counts_KeptInTheStore_SeenByANewThrottle()
    {
        for (int i = 0; i < 20; i++) Throttle().Failed($"user{i}", "10.0.0.9");
        Assert.Equal(TimeSpan.FromSeconds(30), Throttle().RetryAfter("anyone", "10.0.0.9"));
    }
}
