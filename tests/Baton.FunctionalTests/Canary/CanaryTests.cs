using System.Net;
using System.Net.Http.Json;
using Baton.Contracts;
using Baton.FunctionalTests.Infrastructure;
using Baton.Router.Forwarding;
using Baton.Router.Rollout;

namespace Baton.FunctionalTests.Canary;

/// <summary>The canary split: v1 live, v2 staged as the candidate, a sticky share of clients on v2.</summary>
public sealed class CanaryTests : IAsyncLifetime
{
    private RouterHost _router = null!;
    private Backend _v1 = null!, _v2 = null!;
    // No cookie container: each test decides which cookies a request carries.
    private HttpClient _client = null!;
    private HttpClient _staging = null!;

    public async Task InitializeAsync()
    {
        _router = await RouterHost.StartAsync();
        _v1 = await Backend.StartAsync("v1");
        _v2 = await Backend.StartAsync("v2");
        _client = _router.NewProxyClient(h => h.UseCookies = false);
        _staging = _router.NewStagingClient(h => h.UseCookies = false);
        await _router.DeployOkAsync("app", _v1);
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        _staging.Dispose();
        await _router.DisposeAsync();
        await _v1.DisposeAsync();
        await _v2.DisposeAsync();
    }

    /// <summary>Stages v2 as the candidate without switching: there is no public "stage only" call yet.</summary>
    private async Task StageV2Async()
    {
        var server = _router.Server;
        var plan = DeployPlan.TryCreate("app", RouterHost.Request([_v2]), server.State!.Current, out var error);
        Assert.True(plan is not null, error);
        Assert.Null(await server.Rollout!.StageAsync(plan, CancellationToken.None));
    }

    private async Task<HttpStatusCode> SetCanaryAsync(double? percent, string service = "app")
    {
        using var response = await _router.Admin.PostAsync($"/api/services/{service}/canary", JsonContent.Create(new CanaryRequest(percent), BatonJson.Default.CanaryRequest));
        return response.StatusCode;
    }

    /// <param name="staging">Through the staging listener, the only one that honours the overrides.</param>
    private async Task<(string Body, string? SetCookie)> GetAsync(string? cookie = null, string? force = null, string path = "/", bool staging = false)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (cookie is not null) request.Headers.Add("Cookie", cookie);
        if (force is not null) request.Headers.Add(CanarySplit.ForceHeader, force);
        using var response = await (staging ? _staging : _client).SendAsync(request);
        var setCookie = response.Headers.TryGetValues("Set-Cookie", out var values) ? values.Single() : null;
        return (await response.Content.ReadAsStringAsync(), setCookie);
    }

    private static int BucketOf(string setCookie)
    {
        var value = setCookie.Split(';')[0];
        Assert.StartsWith("baton_canary=", value);
        return int.Parse(value["baton_canary=".Length..], System.Globalization.CultureInfo.InvariantCulture);
    }

    [Fact]
    public async Task Canary20_CookielessClients_AboutAFifthReachTheCandidate_EachGivenItsBucket()
    {
        await StageV2Async();
        Assert.Equal(HttpStatusCode.NoContent, await SetCanaryAsync(20));

        int candidate = 0;
        const int total = 1000;
        for (int i = 0; i < total; i++)
        {
            var (body, setCookie) = await GetAsync();
            Assert.NotNull(setCookie);
            Assert.EndsWith("; Path=/; Max-Age=86400; HttpOnly; SameSite=Lax", setCookie);
            // The side follows the bucket the router handed out.
            Assert.Equal(BucketOf(setCookie) < 2000 ? "v2" : "v1", body);
            if (body == "v2") candidate++;
        }
        Assert.InRange(candidate, 120, 280);

        // The router's own window counted both pools: every request above, and nothing else.
        var status = (await _router.StatusAsync("app"))!;
        Assert.Equal(20, status.CanaryPercent);
        Assert.Equal(total - candidate, status.Active!.Window!.Requests);
        Assert.Equal(candidate, status.Candidate!.Window!.Requests);
        Assert.Equal(0, status.Active.Window.Errors + status.Candidate.Window.Errors);
        Assert.Equal(60, status.Candidate.Window.Seconds);
        Assert.NotNull(status.Candidate.Window.P95Ms);
    }

    [Fact]
    public async Task StickyClient_SameSideEveryTime_AndRaisingTheShareKeepsCanaryClients()
    {
        await StageV2Async();
        Assert.Equal(HttpStatusCode.NoContent, await SetCanaryAsync(20));

        var clients = new List<(string Cookie, string Side)>();
        for (int i = 0; i < 200; i++)
        {
            var (body, setCookie) = await GetAsync();
            clients.Add((setCookie!.Split(';')[0], body));
        }
        Assert.Contains(clients, c => c.Side == "v2");

        // A client that sends its cookie back stays put, and is not given a new one.
        foreach (var (cookie, side) in clients.Take(40))
        {
            for (int i = 0; i < 3; i++)
            {
                var (body, setCookie) = await GetAsync("other=1; " + cookie);
                Assert.Equal(side, body);
                Assert.Null(setCookie);
            }
        }

        Assert.Equal(HttpStatusCode.NoContent, await SetCanaryAsync(50));
        foreach (var (cookie, side) in clients)
        {
            var (body, _) = await GetAsync(cookie);
            if (side == "v2") Assert.Equal("v2", body);
            Assert.Equal(BucketOf(cookie) < 5000 ? "v2" : "v1", body);
        }
    }

    [Fact]
    public async Task TargetSetsItsOwnCookie_BothCookiesReachTheClient()
    {
        await StageV2Async();
        Assert.Equal(HttpStatusCode.NoContent, await SetCanaryAsync(50));
        using var response = await _client.GetAsync("/cookie");
        var cookies = response.Headers.GetValues("Set-Cookie").ToList();
        Assert.Contains("session=abc; Path=/", cookies);
        Assert.Single(cookies, c => c.StartsWith("baton_canary=", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Window_ComparesErrorRates_OfBothPools()
    {
        await StageV2Async();
        Assert.Equal(HttpStatusCode.NoContent, await SetCanaryAsync(50));
        for (int i = 0; i < 4; i++) await GetAsync(force: "always", path: "/status/500", staging: true);
        for (int i = 0; i < 6; i++) await GetAsync(force: "never", path: "/status/200", staging: true);
        await GetAsync(force: "never", path: "/status/503", staging: true);

        var status = (await _router.StatusAsync("app"))!;
        Assert.Equal(new WindowStatus(60, 4, 4, 1, status.Candidate!.Window!.P95Ms), status.Candidate.Window);
        Assert.Equal(7, status.Active!.Window!.Requests);
        Assert.Equal(1, status.Active.Window.Errors);
        Assert.Equal(Math.Round(1 / 7.0, 6), status.Active.Window.ErrorRate);
    }

    [Fact]
    public async Task ForceHeaderOrCookie_OnTheStagingListener_OverridesTheBucket()
    {
        await StageV2Async();
        Assert.Equal(HttpStatusCode.NoContent, await SetCanaryAsync(1));

        for (int i = 0; i < 10; i++)
        {
            Assert.Equal("v2", (await GetAsync("baton_canary=9999", force: "always", staging: true)).Body);
            Assert.Equal("v1", (await GetAsync("baton_canary=0", force: "never", staging: true)).Body);
            Assert.Equal("v2", (await GetAsync("baton_canary=9999; baton_canary_force=always", staging: true)).Body);
            Assert.Equal("v1", (await GetAsync("baton_canary_force=never; baton_canary=0", staging: true)).Body);
        }
        // The header wins over the cookie.
        Assert.Equal("v1", (await GetAsync("baton_canary_force=always", force: "never", staging: true)).Body);
    }

    [Fact]
    public async Task ForceHeaderOrCookie_OnThePublicListener_IgnoredTheBucketDecides()
    {
        await StageV2Async();
        Assert.Equal(HttpStatusCode.NoContent, await SetCanaryAsync(1));
        int v1Before = _v1.Requests, v2Before = _v2.Requests;

        // At 1 %, bucket 9999 is on the live pool and bucket 0 on the candidate, whatever is forced.
        for (int i = 0; i < 10; i++)
        {
            Assert.Equal("v1", (await GetAsync("baton_canary=9999", force: "always")).Body);
            Assert.Equal("v1", (await GetAsync("baton_canary=9999; baton_canary_force=always")).Body);
            Assert.Equal("v2", (await GetAsync("baton_canary=0", force: "never")).Body);
            Assert.Equal("v2", (await GetAsync("baton_canary_force=never; baton_canary=0")).Body);
        }
        Assert.Equal((20, 20), (_v1.Requests - v1Before, _v2.Requests - v2Before));

        // A forced request without a bucket draws one like any client: the override neither
        // picks its side nor spares it the cookie.
        for (int i = 0; i < 20; i++)
        {
            var (body, setCookie) = await GetAsync(force: "always");
            Assert.NotNull(setCookie);
            Assert.Equal(CanarySplit.InCandidate(BucketOf(setCookie), 1) ? "v2" : "v1", body);
        }
    }

    [Fact]
    public async Task SetCookie_OnlyWhileACanaryIsActive()
    {
        Assert.Null((await GetAsync()).SetCookie);
        await StageV2Async();
        // Staged, but no share yet: the candidate is only reachable through staging hosts.
        for (int i = 0; i < 20; i++)
        {
            var (body, setCookie) = await GetAsync();
            Assert.Equal("v1", body);
            Assert.Null(setCookie);
        }
        // Without a share, the tester header changes nothing either.
        Assert.Equal((Body: "v1", SetCookie: (string?)null), await GetAsync(force: "always"));

        Assert.Equal(HttpStatusCode.NoContent, await SetCanaryAsync(10));
        Assert.NotNull((await GetAsync()).SetCookie);

        Assert.Equal(HttpStatusCode.NoContent, await SetCanaryAsync(0));
        for (int i = 0; i < 20; i++)
        {
            var (body, setCookie) = await GetAsync();
            Assert.Equal("v1", body);
            Assert.Null(setCookie);
        }
        Assert.Null((await _router.StatusAsync("app"))!.CanaryPercent);
    }

    [Fact]
    public async Task CandidateWithoutHealthyTarget_CanaryClientsFallBackToActive()
    {
        await StageV2Async();
        Assert.Equal(HttpStatusCode.NoContent, await SetCanaryAsync(100));
        Assert.Equal("v2", (await GetAsync()).Body);

        _v2.Healthy = false;
        await Wait.UntilAsync(async () => (await _router.StatusAsync("app"))!.Candidate!.Targets[0].Health != "healthy", "the candidate turned unhealthy");
        for (int i = 0; i < 20; i++) Assert.Equal("v1", (await GetAsync("baton_canary=5")).Body);
    }

    [Fact]
    public async Task CanaryApi_RefusesWithoutCandidateOrOutOfRange_404ForUnknownService()
    {
        Assert.Equal(HttpStatusCode.BadRequest, await SetCanaryAsync(20));
        await StageV2Async();
        Assert.Equal(HttpStatusCode.BadRequest, await SetCanaryAsync(101));
        Assert.Equal(HttpStatusCode.BadRequest, await SetCanaryAsync(-5));
        Assert.Equal(HttpStatusCode.BadRequest, await SetCanaryAsync(null));
        Assert.Equal(HttpStatusCode.NotFound, await SetCanaryAsync(20, "ghost"));
        Assert.Null((await _router.StatusAsync("app"))!.CanaryPercent);
    }

    [Fact]
    public async Task Switch_EndsTheCanary()
    {
        await StageV2Async();
        Assert.Equal(HttpStatusCode.NoContent, await SetCanaryAsync(30));
        _router.Server.Rollout!.Switch("app");
        var (body, setCookie) = await GetAsync();
        Assert.Equal("v2", body);
        Assert.Null(setCookie);
        Assert.Equal(0, _router.Server.State!.Current.Services["app"].CanaryPercent);
    }

    [Fact]
    public async Task Cli_CanaryAndStatus()
    {
        var refused = await BatonCli.RunAsync(_router, "canary", "app", "--percent", "20");
        Assert.True(refused.ExitCode != 0, refused.ToString());
        BatonCli.AssertOneSentence(refused);
        Assert.Contains("no candidate pool", refused.Stderr);

        await StageV2Async();
        var set = await BatonCli.RunAsync(_router, "canary", "app", "--percent", "0.5");
        Assert.True(set.ExitCode == 0, set.ToString());
        Assert.Contains("0.5 % of clients", set.Stdout);
        for (int i = 0; i < 5; i++) await GetAsync(force: "always", staging: true);

        var status = await BatonCli.RunAsync(_router, "status", "app");
        Assert.True(status.ExitCode == 0, status.ToString());
        Assert.Contains("CANARY 0.5 % of clients on the candidate", status.Stdout);
        Assert.Contains("last 60 s: requests 5  errors 0 (0 %)", status.Stdout);
    }
}
