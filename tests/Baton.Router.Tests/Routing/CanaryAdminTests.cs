using Baton.Router.Routing;
using Baton.Router.State;
using Baton.Router.Targets;
using Baton.Router.Tests.Testing;
using Microsoft.Extensions.Logging.Abstractions;

namespace Baton.Router.Tests.Routing;

public sealed class CanaryAdminTests : IDisposable
{
    private readonly ManualTimeProvider _clock = new();
    private readonly string _dir = Directory.CreateTempSubdirectory("baton-canary-").FullName;
    private readonly RoutingState _state;
    private readonly RouterAdmin _admin;

    public CanaryAdminTests()
    {
        _state = new RoutingState(new RouterStateStore(Path.Combine(_dir, "state.json")), _clock, NullLogger.Instance);
        _admin = new RouterAdmin(_state);
    }

    public void Dispose()
    {
        _state.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    private static TargetPool Pool(int port, string name) =>
        new([new Target(new TargetAddress("127.0.0.1", port), 1, TargetHealth.Healthy)], name);

    private void Add(bool candidate) => _state.Set("app", new ServiceEntry
    {
        Name = "app",
        Active = Pool(5001, "blue"),
        Candidate = candidate ? Pool(5002, "green") : null,
    });

    [Fact]
    public void SetCanary_WithCandidate_SetsShareAndStatusShowsIt()
    {
        Add(candidate: true);
        Assert.Null(_admin.SetCanary("app", 12.5));
        Assert.Equal(12.5, _state.Current.Services["app"].CanaryPercent);
        var status = _admin.Status("app")!;
        Assert.Equal(12.5, status.CanaryPercent);
        Assert.Equal(60, status.Active!.Window!.Seconds);
        Assert.Equal(0, status.Candidate!.Window!.Requests);
    }

    [Fact]
    public void SetCanary_NoCandidate_OneSentence()
    {
        Add(candidate: false);
        var error = _admin.SetCanary("app", 20);
        Assert.Equal("app has no candidate pool next to a live one to send a share of clients to; stage a release first.", error);
        Assert.Null(_admin.Status("app")!.CanaryPercent);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(100.5)]
    [InlineData(double.NaN)]
    public void SetCanary_OutOfRange_Refused(double percent)
    {
        Add(candidate: true);
        Assert.StartsWith("The canary share must be a percentage from 0 to 100", _admin.SetCanary("app", percent));
        Assert.Equal(0, _state.Current.Services["app"].CanaryPercent);
    }

    [Fact]
    public void SetCanary_UnknownService_SaysSo() =>
        Assert.StartsWith("There is no service named nope", _admin.SetCanary("nope", 10));

    [Fact]
    public void CanaryPercent_Persisted_AndOldFilesWithoutItLoad()
    {
        Add(candidate: true);
        _admin.SetCanary("app", 0.5);
        var file = Path.Combine(_dir, "state.json");
        Assert.Equal(0.5, new RouterStateStore(file).Load(_clock).Single().CanaryPercent);

        var old = File.ReadAllText(file).Replace("\"canaryPercent\": 0.5,", "", StringComparison.Ordinal).Replace(",\n      \"canaryPercent\": 0.5", "", StringComparison.Ordinal);
        Assert.DoesNotContain("canaryPercent", old, StringComparison.Ordinal);
        File.WriteAllText(file, old);
        Assert.Equal(0, new RouterStateStore(file).Load(_clock).Single().CanaryPercent);
    }
}
