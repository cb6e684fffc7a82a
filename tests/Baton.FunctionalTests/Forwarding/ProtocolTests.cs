using System.Net;
using Baton.FunctionalTests.Infrastructure;

namespace Baton.FunctionalTests.Forwarding;

/// <summary>HTTP/1.1, HTTP/2 over h2c and over TLS, each reaching an HTTP/1.1 backend.</summary>
public sealed class ProtocolTests : IClassFixture<SingleServiceFixture>
{
    private readonly RouterHost _router;
    private readonly TestCertificate _cert;

    public ProtocolTests(SingleServiceFixture fixture)
    {
        _router = fixture.Router;
        _cert = fixture.Certificate;
    }

    private static async Task<HttpResponseMessage> SendAsync(HttpClient client, string url, Version version)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url) { Version = version, VersionPolicy = HttpVersionPolicy.RequestVersionExact };
        return await client.SendAsync(request);
    }

    [Fact]
    public async Task Forward_Http11_BackendAnswers()
    {
        using var response = await SendAsync(_router.Proxy, "/hello", HttpVersion.Version11);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(HttpVersion.Version11, response.Version);
        Assert.Equal("v1", await response.Content.ReadAsStringAsync());
        Assert.Equal("v1", response.Headers.GetValues("X-Backend").Single());
    }

    [Fact]
    public async Task Forward_Http2PriorKnowledgeOnH2c_BackendAnswers()
    {
        using var client = new HttpClient(new SocketsHttpHandler { UseProxy = false });
        using var response = await SendAsync(client, _router.Server.ProxyH2cUrl + "/hello", HttpVersion.Version20);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(HttpVersion.Version20, response.Version);
        Assert.Equal("v1", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Forward_Http2OverTls_BackendAnswersAndSeesHttps()
    {
        using var client = new HttpClient(_cert.Trusting(new SocketsHttpHandler { UseProxy = false }));
        using var response = await SendAsync(client, _router.Server.ProxyTlsUrl + "/headers", HttpVersion.Version20);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(HttpVersion.Version20, response.Version);
        Assert.Contains("x-forwarded-proto: https\n", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Forward_Http11OverTls_BackendAnswers()
    {
        using var client = new HttpClient(_cert.Trusting(new SocketsHttpHandler { UseProxy = false }));
        using var response = await SendAsync(client, _router.Server.ProxyTlsUrl + "/hello", HttpVersion.Version11);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(HttpVersion.Version11, response.Version);
        Assert.Equal("v1", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Forward_PostBodyOverH2c_BackendReceivesBody()
    {
        using var client = new HttpClient(new SocketsHttpHandler { UseProxy = false });
        using var request = new HttpRequestMessage(HttpMethod.Post, _router.Server.ProxyH2cUrl + "/echo")
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = new StringContent(new string('x', 100_000)),
        };
        using var response = await client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("v1:100000", await response.Content.ReadAsStringAsync());
    }
}
