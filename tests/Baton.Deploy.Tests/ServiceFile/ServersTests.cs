using Baton.Deploy.ServiceFile;

namespace Baton.Deploy.Tests.ServiceFile;

/// <summary>baton.yml's <c>servers:</c>: both layouts, and one sentence with its line for what cannot work.</summary>
public sealed class ServersTests
{
    private static ServiceFileResult Parse(string extra) => ServiceFileParser.Parse($"service: web\nimage: 127.0.0.1:5000/shop\n{extra}\n");

    [Fact]
    public void EachColourOnItsOwnServers_TheSeedsLayout()
    {
        var def = Parse("servers:\n  blue: [app1]\n  green: [app2]\nreplicas: 2").Definition!;
        Assert.Equal(["app1"], def.Servers!.For("blue"));
        Assert.Equal(["app2"], def.Servers.For("green"));
        Assert.Equal(["app1", "app2"], def.Servers.All);
        Assert.False(def.Servers.Shared);
        Assert.Equal(2, def.WebCount("blue"));
    }

    [Fact]
    public void EveryColourOnEachServer_ReplicasPerServer()
    {
        var def = Parse("servers: [app1, app2]\nreplicas: 3").Definition!;
        Assert.Equal(["app1", "app2"], def.Servers!.For("blue"));
        Assert.Equal(["app1", "app2"], def.Servers.For("green"));
        Assert.True(def.Servers.Shared);
        Assert.Equal(6, def.WebCount("green"));
    }

    [Fact]
    public void NoServers_TheControllersOwnEngine()
    {
        var def = Parse("replicas: 2").Definition!;
        Assert.Null(def.Servers);
        Assert.Equal(2, def.WebCount("blue"));
    }

    [Theory]
    [InlineData("servers: [App1]", "line 3: servers: 'App1' is not a server name")]
    [InlineData("servers: [app1, app1]", "line 3: servers: 'app1' is listed twice")]
    [InlineData("servers: []", "line 3: servers: give one or more server names")]
    [InlineData("servers:\n  blue: [app1]", "line 4: servers.green: missing")]
    [InlineData("servers:\n  blue: [app1]\n  green: [app2]\n  red: [app3]", "line 6: servers.red: unknown field")]
    [InlineData("servers:\n  blue: [-app1]\n  green: [app2]", "line 4: servers.blue: '-app1' is not a server name")]
    public void Refused_WithOneSentenceAndItsLine(string yaml, string expected)
    {
        var result = Parse(yaml);
        Assert.Null(result.Definition);
        Assert.Contains(result.Errors, e => e.Contains(expected, StringComparison.Ordinal));
    }
}
