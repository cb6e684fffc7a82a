using System.Net;
using System.Net.Http.Json;
using Baton.Contracts;
using Baton.FunctionalTests.Infrastructure;
using Baton.FunctionalTests.Metrics;
using Baton.Router.Rollout;
using Baton.Server;

namespace Baton.FunctionalTests.Routing;

/// <summary>
/// Staging hosts answer only on the staging listener, and only for the clients it serves: v1 live
/// on app.test, v2 staged as the pool "green", so green.app.test is its staging host.
/// </summary>
public sealed class StagingListenerTests : IAsyncLifetime
{
    private const string Host = "app.test", Green = "green.app.test";
    private RouterHost _router = null!;
    private Backend _v1 = null!, _v2 = null!;

    public async Task InitializeAsync()
    {
        _v1 = await Backend.StartAsync("v1");
        _v2 = await Backend.StartAsync("v2");
    }

    public async Task DisposeAsync()
    {
        if (_router is not null) await _router.DisposeAsync();
        await _v1.DisposeAsync();
        await _v2.DisposeAsync();
    }

    /// <summary>A router with v1 live and v2 staged as green, as a held blue-green deploy leaves them.</summary>
    private async Task<RouterHost> StartAsync(Func<ServerOptions, ServerOptions>? configure = null)
    {
        _router = await RouterHost.StartAsync(configure: configure);
        await _router.DeployOkAsync("app", RouterHost.Request([_v1], hosts: [Host]));
        var plan = DeployPlan.TryCreate("app", RouterHost.Request([_v2], hosts: [Host]), _router.Server.State!.Current, out var error, staging: "{color}.{host}");
        Assert.True(plan is not null, error);
        Assert.Null(await _router.Server.Rollout!.StageAsync(plan with { PoolName = "green" }, CancellationToken.None));
        return _router;
    }

    private int Reached => _v1.Requests + _v2.Requests;

    [Theory]
    [InlineData("/version", Green)]
    [InlineData("/version", "GREEN.App.Test:80")]
    [InlineData("http://green.app.test/version", Green)] // absolute-form target
    public async Task StagingHost_OnThePublicListener_Is404LikeAnUnknownHost_NoBackendSawIt(string target, string host)
    {
        var router = await StartAsync();
        var staged = await RawHttp.SendAsync(router.ProxyUri, "GET", target, host);
        var unknown = await RawHttp.SendAsync(router.ProxyUri, "GET", "/version", "nothing.app.test");

        Assert.Equal(404, staged.Status);
        Assert.Equal(unknown.Status, staged.Status);
        Assert.Equal("No service is routed for green.app.test/version.\n", staged.Body);
        Assert.Equal(unknown.Body.Replace("nothing.app.test", Green, StringComparison.Ordinal), staged.Body);
        Assert.Equal(Names(unknown), Names(staged));
        Assert.Equal(0, Reached);
        Assert.Equal("v1", (await RawHttp.SendAsync(router.ProxyUri, "GET", "/", Host)).Body);

        static IEnumerable<string> Names(RawResponse r) => r.Headers.Select(h => h.Key.ToLowerInvariant()).Order();
    }

    [Fact]
    public async Task StagingHostAndOverrides_OverH2cAndTls_ArePublicToo()
    {
        var certificates = Directory.CreateTempSubdirectory("baton-ft-cert-").FullName;
        try
        {
            var certificate = TestCertificate.Create(certificates);
            var router = await StartAsync(o => o with { ListenH2c = "127.0.0.1:0", ListenTls = "127.0.0.1:0", TlsCertificate = certificate.CertificateFile, TlsKey = certificate.KeyFile });
            using (var canary = await router.Admin.PostAsync("/api/services/app/canary", JsonContent.Create(new CanaryRequest(1), BatonJson.Default.CanaryRequest)))
                Assert.Equal(HttpStatusCode.NoContent, canary.StatusCode);
            using var h2c = new HttpClient(new SocketsHttpHandler { UseProxy = false });
            using var tls = new HttpClient(certificate.Trusting(new SocketsHttpHandler { UseProxy = false }));

            foreach (var (client, url) in new[] { (h2c, router.Server.ProxyH2cUrl!), (tls, router.Server.ProxyTlsUrl!) })
            {
                using var staged = await SendH2Async(client, url, Green);
                Assert.Equal(HttpStatusCode.NotFound, staged.StatusCode);
                Assert.Equal("No service is routed for green.app.test/.\n", await staged.Content.ReadAsStringAsync());
                // Bucket 9999 is on the live pool at 1 %; forcing the candidate changes nothing here.
                using var forced = await SendH2Async(client, url, Host, "baton_canary=9999; baton_canary_force=always", "always");
                Assert.Equal("v1", await forced.Content.ReadAsStringAsync());
            }
            Assert.Equal((2, 0), (_v1.Requests, _v2.Requests));
        }
        finally
        {
            Directory.Delete(certificates, recursive: true);
        }

        static Task<HttpResponseMessage> SendH2Async(HttpClient client, string url, string host, string? cookie = null, string? force = null)
        {
            var request = new HttpRequestMessage(HttpMethod.Get, url + "/") { Version = HttpVersion.Version20, VersionPolicy = HttpVersionPolicy.RequestVersionExact };
            request.Headers.Host = host;
            if (cookie is not null) request.Headers.Add("Cookie", cookie);
            if (force is not null) request.Headers.Add("X-Baton-Canary", force);
            return client.SendAsync(request);
        }
    }

    [Fact]
    public async Task StagingHost_OnTheStagingListener_ReachesItsPool_LiveHostsToo()
    {
        var router = await StartAsync();
        Assert.Equal("v2", (await RawHttp.SendAsync(router.StagingUri!, "GET", "/", Green)).Body);
        Assert.Equal("v2", (await RawHttp.SendAsync(router.StagingUri!, "GET", "/", "Green.App.Test:8081")).Body);
        Assert.Equal("v1", (await RawHttp.SendAsync(router.StagingUri!, "GET", "/", Host)).Body);
        // The live pool came from a --target deploy and has no name, so no staging host.
        Assert.Equal(404, (await RawHttp.SendAsync(router.StagingUri!, "GET", "/", "blue.app.test")).Status);
        Assert.Equal((1, 2), (_v1.Requests, _v2.Requests));
    }

    [Fact]
    public async Task StagingListener_ClientOutsideItsAllowlist_403NothingReachedATarget()
    {
        var router = await StartAsync(o => o with { StagingAllow = "127.0.0.2/32" });

        // The same bytes from 127.0.0.1 (outside) and 127.0.0.2 (inside); a forwarded-for header changes nothing.
        var refused = await RawHttp.SendAsync(router.StagingUri!, "GET", "/", Green, headers: ["X-Forwarded-For: 127.0.0.2", "X-Real-IP: 127.0.0.2"], from: IPAddress.Loopback);
        Assert.Equal(403, refused.Status);
        Assert.Equal("This is Baton's staging listener and your address is not in its allowlist (--staging-allow).\n", refused.Body);
        var refusedLive = await RawHttp.SendAsync(router.StagingUri!, "GET", "/", Host, from: IPAddress.Loopback);
        Assert.Equal(403, refusedLive.Status);
        Assert.Equal(0, Reached);

        Assert.Equal("v2", (await RawHttp.SendAsync(router.StagingUri!, "GET", "/", Green, from: IPAddress.Parse("127.0.0.2"))).Body);
        // The public listener serves everyone, whatever the staging allowlist says.
        Assert.Equal("v1", (await RawHttp.SendAsync(router.ProxyUri, "GET", "/", Host, from: IPAddress.Loopback)).Body);
        Assert.Equal((1, 1), (_v1.Requests, _v2.Requests));

        var metrics = await router.Admin.GetStringAsync("/metrics");
        Assert.Equal(2, MetricsTests.Metric(metrics, "baton_unrouted_requests_total{reason=\"staging_refused\"}"));
    }

    [Fact]
    public async Task Status_GivesTheStagingListenerAndEachStagingHostsUrlThere()
    {
        var router = await StartAsync();
        var all = await router.StatusAsync();
        Assert.Equal(router.StagingUri!.ToString(), all.StagingUrl);
        var candidate = (await router.StatusAsync("app"))!.Candidate!;
        Assert.Equal([Green], candidate.StagingHosts!);
        var url = $"http://{Green}:{router.StagingUri.Port}/";
        Assert.Equal([url], candidate.StagingUrls!);

        var cli = await BatonCli.RunAsync(router, "status", "app");
        Assert.True(cli.ExitCode == 0, cli.ToString());
        Assert.Contains($"staging: {url}", cli.Stdout);
    }

    [Fact]
    public async Task ListenStagingNone_NoStagingListener_StagingHostsAnswerNowhere()
    {
        var router = await StartAsync(o => o with { ListenStaging = "none" });
        Assert.Null(router.Server.StagingUrl);
        Assert.Equal(404, (await RawHttp.SendAsync(router.ProxyUri, "GET", "/", Green)).Status);
        var candidate = (await router.StatusAsync("app"))!.Candidate!;
        Assert.Equal([Green], candidate.StagingHosts!);
        Assert.Null(candidate.StagingUrls);
        Assert.Null((await router.StatusAsync()).StagingUrl);
        Assert.Equal(0, Reached);
    }

    [Fact]
    public async Task Deploy_HostThatIsAnotherServicesStagingHost_RefusedNothingChanged()
    {
        var router = await StartAsync();
        var version = router.Server.State!.Current.Version;

        var result = await router.DeployAsync("other", RouterHost.Request([_v1], hosts: ["shop.test", Green]));
        Assert.Equal(HttpStatusCode.BadRequest, result.Status);
        Assert.Equal("Cannot route other: host green.app.test is a staging host of service app; choose another host, or another staging pattern (staging: in baton.yml).", result.Error);
        Assert.Equal(version, router.Server.State.Current.Version);
        Assert.Null(await router.StatusAsync("other"));
        Assert.Equal("v2", (await RawHttp.SendAsync(router.StagingUri!, "GET", "/", Green)).Body);
    }

    [Fact]
    public async Task Deploy_WhoseStagingHostsAreAnotherServicesHost_RefusedNothingChanged()
    {
        var router = await StartAsync();
        await router.DeployOkAsync("shop", RouterHost.Request([_v1], hosts: ["green.new.test"]));
        var version = router.Server.State!.Current.Version;

        // app's staging pattern would make green.new.test, shop's host.
        var result = await router.DeployAsync("app", RouterHost.Request([_v2], hosts: ["new.test"]));
        Assert.Equal(HttpStatusCode.BadRequest, result.Status);
        Assert.Equal("Cannot route app: its staging host green.new.test is a host of service shop; choose another host, or another staging pattern (staging: in baton.yml).", result.Error);
        Assert.Equal(version, router.Server.State.Current.Version);
        Assert.Equal([Host], (await router.StatusAsync("app"))!.Hosts);
        Assert.Equal("v1", (await RawHttp.SendAsync(router.ProxyUri, "GET", "/", "green.new.test")).Body);
    }

    [Theory]
    [InlineData("hosts: [green.app.test]", "baton.yml: host green.app.test is a staging host of service app; nothing was applied.")]
    [InlineData("hosts: [app]\nstaging: \"{host}.{color}.test\"", "baton.yml: its staging host app.green.test is a host of service web; nothing was applied.")]
    [InlineData("hosts: [test]\nstaging: \"{color}.app.{host}\"", "baton.yml: its staging host blue.app.test is also a staging host of service app; nothing was applied.")]
    public async Task Apply_HostsCollidingWithStagingHosts_RefusedNothingApplied(string routes, string expected)
    {
        var router = await StartAsync();
        await router.DeployOkAsync("web", RouterHost.Request([_v1], hosts: ["app.green.test"]));

        var yaml = $"service: newcomer\nimage: 127.0.0.1:5000/newcomer\n{routes}\n";
        using var response = await router.Admin.PostAsync("/api/services", JsonContent.Create(new ApplyRequest(yaml, "baton.yml"), BatonJson.Default.ApplyRequest));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(expected, (await response.Content.ReadFromJsonAsync(BatonJson.Default.ApiError))!.Error);
        using var definition = await router.Admin.GetAsync("/api/services/newcomer/definition");
        Assert.Equal(HttpStatusCode.NotFound, definition.StatusCode);
    }
}
