using System.Net;
using Baton.FunctionalTests.Infrastructure;

namespace Baton.FunctionalTests.Routing;

/// <summary>Requests reach the service their host and path select; the most specific route wins.</summary>
public sealed class RoutingTests(RoutingTests.Fixture fixture) : IClassFixture<RoutingTests.Fixture>
{
    public sealed class Fixture : IAsyncLifetime
    {
        private Backend _exact = null!, _exactApi = null!, _wildcard = null!, _any = null!;

        public RouterHost Router { get; private set; } = null!;

        public async Task InitializeAsync()
        {
            Router = await RouterHost.StartAsync();
            _exact = await Backend.StartAsync("exact");
            _exactApi = await Backend.StartAsync("exact-api");
            _wildcard = await Backend.StartAsync("wildcard");
            _any = await Backend.StartAsync("any");
            await Task.WhenAll(
                Router.DeployOkAsync("exact", RouterHost.Request([_exact], hosts: ["app.example.com"])),
                Router.DeployOkAsync("exact-api", RouterHost.Request([_exactApi], hosts: ["app.example.com"], path: "/api")),
                Router.DeployOkAsync("wildcard", RouterHost.Request([_wildcard], hosts: ["*.example.com"])),
                Router.DeployOkAsync("any", RouterHost.Request([_any], path: "/public")));
        }

        public async Task DisposeAsync()
        {
            await Router.DisposeAsync();
            foreach (var b in new[] { _exact, _exactApi, _wildcard, _any }) await b.DisposeAsync();
        }
    }

    private readonly RouterHost _router = fixture.Router;

    [Theory]
    [InlineData("app.example.com", "/", "exact")]
    [InlineData("APP.Example.com:8080", "/x", "exact")]
    [InlineData("app.example.com", "/api", "exact-api")]
    [InlineData("app.example.com", "/api/orders?id=1", "exact-api")]
    [InlineData("app.example.com", "/apix", "exact")]
    [InlineData("shop.example.com", "/api", "wildcard")]
    [InlineData("a.b.example.com", "/", "wildcard")]
    [InlineData("other.org", "/public/x", "any")]
    [InlineData("shop.example.com", "/public", "wildcard")]
    public async Task Route_HostAndPath_MostSpecificServiceAnswers(string host, string path, string expected)
    {
        var (status, body, response) = await _router.GetAsync(path, host);
        response.Dispose();
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(expected, body);
    }

    [Theory]
    [InlineData("example.com", "/")]
    [InlineData("other.org", "/")]
    [InlineData("other.org", "/publicity")]
    public async Task Route_NoMatch_404WithShortBody(string host, string path)
    {
        var (status, body, response) = await _router.GetAsync(path, host);
        response.Dispose();
        Assert.Equal(HttpStatusCode.NotFound, status);
        Assert.StartsWith("No service is routed for", body);
        Assert.True(body.Length < 200, body);
    }

    [Fact]
    public async Task Route_PathPrefix_ForwardsFullPathAndQuery()
    {
        var raw = await RawHttp.SendAsync(_router.ProxyUri, "GET", "/api/a%2Fb/../c?x=%20y&z", host: "app.example.com");
        Assert.Equal(200, raw.Status);
        Assert.Equal("exact-api", raw.Body);
        // The target sees the path exactly as the client sent it: no prefix stripped, nothing decoded.
        Assert.Equal("/api/a%2Fb/../c?x=%20y&z", raw.Header("X-Path"));
    }
}
