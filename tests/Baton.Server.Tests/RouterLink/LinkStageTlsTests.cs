using System.Text.Json;
using Baton.Deploy;
using Baton.Router.Routing;
using Baton.Server.RouterLink;

namespace Baton.Server.Tests.RouterLink;

/// <summary>A service's TLS settings cross the control socket to a router in its own process with the stage call.</summary>
public sealed class LinkStageTlsTests
{
    [Fact]
    public void LinkStage_WithTls_RoundTripsThroughTheLinksJson()
    {
        var routes = new RouteSpec(["app.example.com"], "/", "{color}.{host}", "/health", TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(5), 2, null, TimeSpan.FromSeconds(30),
            TargetTimeout: TimeSpan.FromSeconds(7), Tls: new ServiceTls(Auto: true, RedirectHttps: true, Hsts: false));
        var json = JsonSerializer.Serialize(new LinkStage("web", routes, "blue", ["127.0.0.1:5001"], TimeSpan.FromSeconds(60), false), RouterLinkJson.Default.LinkStage);

        var back = JsonSerializer.Deserialize(json, RouterLinkJson.Default.LinkStage)!;

        Assert.Equal(new ServiceTls(true, true, false), back.Routes.Tls);
        Assert.Equal(TimeSpan.FromSeconds(7), back.Routes.TargetTimeout);
    }
}
