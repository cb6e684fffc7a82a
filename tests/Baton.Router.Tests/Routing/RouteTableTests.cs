using Baton.Router.Routing;
using Baton.Router.Targets;

namespace Baton.Router.Tests.Routing;

public sealed class RouteTableTests
{
    private static ServiceEntry Service(string name, string path = "/", params string[] hosts) => new()
    {
        Name = name,
        Hosts = hosts.Select(h => HostPattern.TryParse(h, out var p, out _) ? p : throw new ArgumentException(h)).ToList(),
        Path = path,
        Active = new TargetPool([new Target(new TargetAddress("127.0.0.1", 1))]),
    };

    private static RouteTable Table(params ServiceEntry[] services) => new(services.ToDictionary(s => s.Name), 1);

    [Theory]
    [InlineData("app.example.com", "/", "exact")]
    [InlineData("app.example.com", "/api/x", "exact-api")]
    [InlineData("other.example.com", "/", "wildcard")]
    [InlineData("deep.other.example.com", "/", "wildcard")]
    [InlineData("example.com", "/", "any")]
    [InlineData("unknown.org", "/api", "any")]
    public void Match_MostSpecificWins(string host, string path, string expected)
    {
        var table = Table(
            Service("exact", "/", "app.example.com"),
            Service("exact-api", "/api", "app.example.com"),
            Service("wildcard", "/", "*.example.com"),
            Service("any"));
        Assert.Equal(expected, table.Match(host, path)?.Name);
    }

    [Fact]
    public void Match_PathPrefixIsSegmentAware()
    {
        var table = Table(Service("api", "/api", "a.test"));
        Assert.Equal("api", table.Match("a.test", "/api")?.Name);
        Assert.Equal("api", table.Match("a.test", "/api/v1")?.Name);
        Assert.Null(table.Match("a.test", "/apix"));
        Assert.Null(table.Match("b.test", "/api"));
    }

    [Fact]
    public void Match_ExactHostWithoutMatchingPath_FallsBackToWildcard()
    {
        var table = Table(Service("exact-api", "/api", "app.example.com"), Service("wildcard", "/", "*.example.com"));
        Assert.Equal("wildcard", table.Match("app.example.com", "/home")?.Name);
    }

    [Fact]
    public void Match_ServiceNotYetLive_IsNotRouted()
    {
        var pending = Service("pending", "/", "p.test") with { Active = null };
        Assert.Null(Table(pending).Match("p.test", "/"));
    }

    [Fact]
    public void FindClaim_SameHostAndPath_NamesTheOtherService()
    {
        var table = Table(Service("web", "/", "app.example.com"));
        HostPattern.TryParse("APP.example.com", out var host, out _);
        Assert.Equal("web", table.FindClaim([host], "/", "other")?.Name);
        Assert.Null(table.FindClaim([host], "/", "web"));
        Assert.Null(table.FindClaim([host], "/api", "other"));
    }

    [Theory]
    [InlineData("App.Example.com:8080", "app.example.com")]
    [InlineData("[::1]:8080", "[::1]")]
    [InlineData("plain", "plain")]
    public void Normalize_LowerCasesAndDropsPort(string raw, string expected) =>
        Assert.Equal(expected, HostPattern.Normalize(raw));

    [Fact]
    public void Route_StagingHost_NamesItsPoolOnlyOnTheStagingListener()
    {
        var staged = Service("web", "/", "app.example.com") with
        {
            Staging = "{color}.{host}",
            Candidate = new TargetPool([new Target(new TargetAddress("127.0.0.1", 2))], "green"),
        };
        var table = Table(staged, Service("wildcard", "/", "*.example.com"));
        Assert.Equal(new RouteMatch(staged, "green"), table.Route("green.app.example.com", "/", stagingListener: true));
        // On a public listener the staging host is any other host: here the wildcard's, elsewhere unknown.
        Assert.Equal(new RouteMatch(table.Services["wildcard"], null), table.Route("green.app.example.com", "/", stagingListener: false));
        Assert.Equal(new RouteMatch(staged, null), table.Route("app.example.com", "/", stagingListener: true));
        Assert.Null(Table(staged).Route("green.app.example.com", "/", stagingListener: false).Service);
    }
}
