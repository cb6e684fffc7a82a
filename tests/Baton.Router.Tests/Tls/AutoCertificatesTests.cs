using Baton.Router.Health;
using Baton.Router.Rollout;
using Baton.Router.Routing;
using Baton.Router.Targets;
using Baton.Router.Tls;

namespace Baton.Router.Tests.Tls;

public sealed class AutoCertificatesTests
{
    private static HostPattern Host(string text) => HostPattern.TryParse(text, out var h, out _) ? h : throw new ArgumentException(text);

    [Fact]
    public void Wanted_ExactHostsOfTlsAutoServices_LiveAndStaged_NeverWildcardsOrOthers()
    {
        var staged = new DeployPlan("shop", [], [Host("shop.example.com")], "/", new HealthCheckOptions(), TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(30), Tls: new ServiceTls(Auto: true));
        var table = new RouteTable(new Dictionary<string, ServiceEntry>
        {
            ["web"] = new() { Name = "web", Hosts = [Host("app.example.com"), Host("*.example.com")], Tls = new ServiceTls(Auto: true) },
            ["plain"] = new() { Name = "plain", Hosts = [Host("plain.example.com")] },
            ["shop"] = new() { Name = "shop", Hosts = [], PendingPlan = staged },
        }, 1);

        Assert.Equal(["app.example.com", "shop.example.com"], AutoCertificates.Wanted(table).Order(StringComparer.Ordinal));
    }
}
