using System.Net;
using Baton.Contracts;
using Baton.FunctionalTests.Infrastructure;

namespace Baton.FunctionalTests.Forwarding;

/// <summary>What crosses the proxy in headers: X-Forwarded-*, hop-by-hop headers, trailers.</summary>
public sealed class HeaderTests : IClassFixture<SingleServiceFixture>
{
    private readonly RouterHost _router;
    private readonly Backend _backend;

    public HeaderTests(SingleServiceFixture fixture)
    {
        _router = fixture.Router;
        _backend = fixture.Backend;
    }


    private static Dictionary<string, string> ParseHeaders(string body) =>
        body.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split(": ", 2)).ToDictionary(p => p[0], p => p.Length > 1 ? p[1] : "");

    [Fact]
    public async Task Forward_Request_SetsXForwardedHeaders()
    {
        var response = await RawHttp.SendAsync(_router.ProxyUri, "GET", "/headers", host: "shop.example.com");
        Assert.Equal(200, response.Status);
        var seen = ParseHeaders(response.Body);
        Assert.Equal("127.0.0.1", seen["x-forwarded-for"]);
        Assert.Equal("http", seen["x-forwarded-proto"]);
        Assert.Equal("shop.example.com", seen["x-forwarded-host"]);
        Assert.Equal("shop.example.com", seen["host"]);
    }

    [Fact]
    public async Task Forward_ClientBringsForwardedFor_ClientAddressAppended()
    {
        var response = await RawHttp.SendAsync(_router.ProxyUri, "GET", "/headers", headers: ["X-Forwarded-For: 203.0.113.7", "X-Forwarded-Proto: https"]);
        var seen = ParseHeaders(response.Body);
        Assert.Equal("203.0.113.7, 127.0.0.1", seen["x-forwarded-for"]);
        // The client cannot claim a scheme the router did not see.
        Assert.Equal("http", seen["x-forwarded-proto"]);
    }

    [Fact]
    public async Task Forward_HopByHopRequestHeaders_NotForwarded()
    {
        var response = await RawHttp.SendAsync(_router.ProxyUri, "GET", "/headers", headers:
        [
            "Connection: X-Custom, keep-alive",
            "X-Custom: secret-to-this-hop",
            "Keep-Alive: timeout=5",
            "Proxy-Authorization: Basic Zm9vOmJhcg==",
            "X-End-To-End: kept",
        ]);
        Assert.Equal(200, response.Status);
        var seen = ParseHeaders(response.Body);
        Assert.False(seen.ContainsKey("x-custom"), "a header named in Connection must not be forwarded");
        Assert.False(seen.ContainsKey("keep-alive"));
        Assert.False(seen.ContainsKey("proxy-authorization"));
        Assert.Equal("kept", seen["x-end-to-end"]);
    }

    [Fact]
    public async Task Forward_HopByHopResponseHeaders_NotForwarded()
    {
        // The backend really sends them...
        var direct = await RawHttp.SendAsync(new Uri($"http://{_backend.Address}"), "GET", "/hop");
        Assert.Equal("1", direct.Header("X-Hop"));
        Assert.Equal("timeout=5", direct.Header("Keep-Alive"));

        // ...and the router does not pass them on.
        var response = await RawHttp.SendAsync(_router.ProxyUri, "GET", "/hop");
        Assert.Equal(200, response.Status);
        Assert.Equal("v1", response.Body);
        Assert.Null(response.Header("X-Hop"));
        Assert.Null(response.Header("Keep-Alive"));
        Assert.Equal("kept", response.Header("X-End-To-End"));
    }

    [Fact]
    public async Task Forward_Http2ClientWithTrailers_TrailersKept()
    {
        await using var backend = new TrailerBackend();
        await _router.DeployOkAsync("trailers-h2", new DeployRequest
        {
            Targets = [backend.Address],
            Hosts = ["127.0.0.1"],
            Path = "/trailers",
            Health = new HealthCheckSpec { Interval = "100ms", Passes = 1 },
        });
        using var client = new HttpClient(new SocketsHttpHandler { UseProxy = false });
        using var request = new HttpRequestMessage(HttpMethod.Get, _router.Server.ProxyH2cUrl + "/trailers")
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        using var response = await client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("part one,part two", await response.Content.ReadAsStringAsync());
        Assert.Equal("abc123", response.TrailingHeaders.GetValues("x-checksum").Single());
    }

    [Fact]
    public async Task Forward_Http11ClientOfTrailerBackend_BodyIntact()
    {
        await using var backend = new TrailerBackend();
        await _router.DeployOkAsync("trailers-h1", new DeployRequest
        {
            Targets = [backend.Address],
            Hosts = ["127.0.0.1"],
            Path = "/trailers1",
            Health = new HealthCheckSpec { Interval = "100ms", Passes = 1 },
        });
        // Kestrel has no HTTP/1.1 response trailers, so an HTTP/1.1 client gets the body without them.
        using var response = await _router.Proxy.GetAsync("/trailers1");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("part one,part two", await response.Content.ReadAsStringAsync());
    }
}
