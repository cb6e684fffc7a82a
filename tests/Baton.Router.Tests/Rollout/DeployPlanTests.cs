using Baton.Contracts;
using Baton.Router.Rollout;
using Baton.Router.Routing;
using Baton.Router.Targets;

namespace Baton.Router.Tests.Rollout;

public sealed class DeployPlanTests
{
    private static readonly RouteTable Table = new(new Dictionary<string, ServiceEntry>
    {
        ["web"] = new()
        {
            Name = "web",
            Hosts = [HostPattern.TryParse("app.example.com", out var h, out _) ? h : default],
            Active = new TargetPool([new Target(new TargetAddress("127.0.0.1", 5001))]),
            DrainTimeout = TimeSpan.FromSeconds(12),
        },
    }, 1);

    private static DeployRequest Request(params string[] targets) => new() { Targets = targets };

    [Fact]
    public void TryCreate_NewService_TakesDefaults()
    {
        var plan = DeployPlan.TryCreate("api", Request("127.0.0.1:6001") with { Hosts = ["api.example.com"] }, Table, out var error);
        Assert.True(plan is not null, error);
        Assert.Equal("/", plan.Path);
        Assert.Equal(TimeSpan.FromSeconds(60), plan.DeployTimeout);
        Assert.Equal(TimeSpan.FromSeconds(30), plan.DrainTimeout);
        Assert.Equal("/health", plan.Health.Path);
    }

    [Fact]
    public void TryCreate_ExistingService_KeepsItsRoutesAndDrainTimeout()
    {
        var plan = DeployPlan.TryCreate("web", Request("127.0.0.1:5002"), Table, out var error);
        Assert.True(plan is not null, error);
        Assert.Equal("app.example.com", Assert.Single(plan.Hosts).ToString());
        Assert.Equal(TimeSpan.FromSeconds(12), plan.DrainTimeout);
    }

    [Theory]
    [InlineData("Web", "127.0.0.1:1", null, null, "Service name 'Web' is invalid")]
    [InlineData("api", "nope", null, null, "Target 'nope' is not HOST:PORT")]
    [InlineData("api", "127.0.0.1:1", "app.example.com", null, "already routed to service web")]
    [InlineData("api", "127.0.0.1:1", "bad host!", null, "is not a host name")]
    [InlineData("api", "127.0.0.1:1", null, "soon", "Drain timeout 'soon' is not a duration")]
    public void TryCreate_BadInput_OneSentence(string service, string target, string? host, string? drain, string expected)
    {
        var request = Request(target) with { Hosts = host is null ? null : [host], DrainTimeout = drain };
        Assert.Null(DeployPlan.TryCreate(service, request, Table, out var error));
        Assert.Contains(expected, error);
    }

    [Fact]
    public void TryCreate_DuplicateOrMissingTargets_Refused()
    {
        Assert.Null(DeployPlan.TryCreate("api", Request("127.0.0.1:1", "127.0.0.1:1"), Table, out var error));
        Assert.Contains("listed twice", error);
        Assert.Null(DeployPlan.TryCreate("api", Request(), Table, out error));
        Assert.Contains("at least one target", error);
    }

    [Theory]
    [InlineData(null, null)]
    [InlineData("15s", 15)]
    public void TryCreate_TargetTimeout_ParsedOrLeftToTheDefault(string? text, int? seconds)
    {
        var plan = DeployPlan.TryCreate("api", Request("127.0.0.1:6001") with { Hosts = ["api.example.com"], TargetTimeout = text }, Table, out var error);
        Assert.True(plan is not null, error);
        Assert.Equal(seconds is { } s ? TimeSpan.FromSeconds(s) : null, plan.TargetTimeout);
    }

    [Theory]
    [InlineData("soon")]
    [InlineData("500ms")]
    public void TryCreate_BadTargetTimeout_RefusedWithASentence(string text)
    {
        var plan = DeployPlan.TryCreate("api", Request("127.0.0.1:6001") with { Hosts = ["api.example.com"], TargetTimeout = text }, Table, out var error);
        Assert.Null(plan);
        Assert.StartsWith("Target timeout", error, StringComparison.Ordinal);
    }
}
