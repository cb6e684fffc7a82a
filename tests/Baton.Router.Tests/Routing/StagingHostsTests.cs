using Baton.Router.Routing;
using Baton.Router.Targets;

namespace Baton.Router.Tests.Routing;

public sealed class StagingHostsTests
{
    private static List<HostPattern> Hosts(params string[] hosts) =>
        hosts.Select(h => HostPattern.TryParse(h, out var p, out _) ? p : throw new ArgumentException(h)).ToList();

    private static ServiceEntry Service(string name, string? staging, params string[] hosts) => new()
    {
        Name = name,
        Hosts = Hosts(hosts),
        Staging = staging,
        Active = new TargetPool([new Target(new TargetAddress("127.0.0.1", 1))], "blue"),
    };

    private static RouteTable Table(params ServiceEntry[] services) => new(services.ToDictionary(s => s.Name), 1);

    [Fact]
    public void Of_EachExactHostUnderThePattern_WildcardsSkipped_LowerCase()
    {
        Assert.Equal(["green.a.test", "green.b.test"], StagingHosts.Of("{color}.{host}", Hosts("a.test", "*.c.test", "B.test"), "green"));
        Assert.Equal(["a-green.preview.test"], StagingHosts.Of("{host}-{color}.preview.test", Hosts("a"), "green"));
        Assert.Empty(StagingHosts.Of(null, Hosts("a.test"), "green"));
    }

    [Theory]
    [InlineData("green.app.test", null, "host green.app.test is a staging host of service app")]
    [InlineData("blue.app.test", null, "host blue.app.test is a staging host of service app")] // whichever colour runs now
    [InlineData("new.test", "{color}.{host}", null)]
    [InlineData("shop.test", "{color}.{host}", "its staging host blue.shop.test is a host of service shop")]
    [InlineData("test", "{color}.app.{host}", "its staging host blue.app.test is also a staging host of service app")]
    [InlineData("*.app.test", "{color}.{host}", null)] // wildcards yield to exact and staging hosts
    public void FindConflict_BothWays(string host, string? pattern, string? expected)
    {
        var table = Table(Service("app", "{color}.{host}", "app.test"), Service("shop", null, "blue.shop.test", "*.wild.test"));
        Assert.Equal(expected, StagingHosts.FindConflict(table, "newcomer", Hosts(host), pattern));
    }

    [Fact]
    public void FindConflict_TheServiceItself_IsNotAConflict()
    {
        var table = Table(Service("app", "{color}.{host}", "app.test"));
        Assert.Null(StagingHosts.FindConflict(table, "app", Hosts("app.test", "green.app.test"), "{color}.{host}"));
    }
}
