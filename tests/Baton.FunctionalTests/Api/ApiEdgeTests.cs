using System.Net;
using System.Text;
using System.Text.Json;
using Baton.Contracts;
using Baton.FunctionalTests.Infrastructure;

namespace Baton.FunctionalTests.Api;

/// <summary>
/// Bad input at the API's edges: each answer is one sentence in <c>{"error"}</c> with the right
/// status, and the server's state (routes, pause, maintenance, applied services, history) is unchanged.
/// </summary>
public sealed class ApiEdgeTests : IAsyncLifetime
{
    private const string Yaml = """
        service: shop
        image: 127.0.0.1:5000/baton-sample
        hosts: [shop.localhost]
        """;

    private RouterHost _router = null!;
    private Backend _backend = null!;
    private HttpClient _http = null!;

    public async Task InitializeAsync()
    {
        _router = await RouterHost.StartAsync();
        _backend = await Backend.StartAsync("v1");
        await _router.DeployOkAsync("web", _backend);
        _http = _router.Admin;
        using var applied = await _http.PostAsync("/api/services", Json(JsonSerializer.Serialize(new ApplyRequest(Yaml, "baton.yml"), BatonJson.Default.ApplyRequest)));
        Assert.True(applied.IsSuccessStatusCode, await applied.Content.ReadAsStringAsync());
    }

    public async Task DisposeAsync()
    {
        await _router.DisposeAsync();
        await _backend.DisposeAsync();
    }

    private static StringContent Json(string text) => new(text, Encoding.UTF8, "application/json");

    public static TheoryData<string, string, string?, string?, int, string> BadCalls() => new()
    {
        // method, path, content type, body, status, a word of the sentence
        { "POST", "/api/services/web/maintenance", "application/json", """{"on": tru""", 400, "not valid JSON" },
        { "POST", "/api/services/web/maintenance", "application/json", """{"on": "yes"}""", 400, "$.on" },
        { "POST", "/api/services/web/maintenance", "application/json", "", 400, "empty" },
        { "POST", "/api/services/web/maintenance", null, null, 400, "empty" },
        { "POST", "/api/services/web/maintenance", "application/json", """{"message": "back soon"}""", 400, "give \"on\": true or false" },
        { "POST", "/api/services/web/maintenance", "text/plain", """{"on": true}""", 415, "Content-Type: application/json" },
        { "POST", "/api/services/web/maintenance", "application/json", "null", 400, "empty" },
        { "POST", "/api/services/web/pause", "application/json", """{"max": "soon"}""", 400, "soon" },
        { "POST", "/api/services/web/pause", "application/x-www-form-urlencoded", "max=30s", 415, "JSON" },
        { "POST", "/api/services/web/canary", "application/json", """{"percent": 140}""", 400, "100" },
        { "POST", "/api/services/web/deploy", "application/json", """{"targets": ["127.0.0.1:9"], "strategy": "sideways"}""", 400, "sideways" },
        { "POST", "/api/services/shop/deploy", "application/json", """{"image": "127.0.0.1:5000/baton-sample:v2", "strategy": "sideways"}""", 400, "sideways" },
        { "POST", "/api/services/shop/deploy", "application/json", """{"image": "127.0.0.1:5000/baton-sample:v2", "strategy": "canary", "steps": [50, 10]}""", 400, "rise" },
        { "POST", "/api/services/shop/deploy", "application/json", """{"image": "127.0.0.1:5000/baton-sample:v2", "targets": ["127.0.0.1:9"]}""", 400, "not both" },
        { "POST", "/api/services/shop/deploy", "application/json", """[1, 2]""", 400, "not valid JSON" },
        { "POST", "/api/services", "application/json", """{"yaml": "service: [", "fileName": "baton.yml"}""", 400, "nothing was applied" },
        { "GET", "/api/services/web/history?limit=lots", null, null, 400, "limit" },
        { "GET", "/api/audit?limit=-x", null, null, 400, "limit" },
        { "GET", "/api/nothing-here", null, null, 404, "no call GET /api/nothing-here" },
        { "DELETE", "/api/services/web/history", null, null, 405, "GET" },
        { "POST", "/api/status", "application/json", "{}", 405, "GET" },
    };

    [Theory]
    [MemberData(nameof(BadCalls))]
    public async Task BadCall_OneSentenceAndNothingChanged(string method, string path, string? contentType, string? body, int status, string word)
    {
        var before = await SnapshotAsync();
        using var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (body is not null) request.Content = new StringContent(body, Encoding.UTF8, contentType ?? "application/json");
        if (body is not null && contentType is not null) request.Content!.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue(contentType);
        using var response = await _http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True((int)response.StatusCode == status, $"{method} {path} answered {(int)response.StatusCode}: {text}");
        AssertOneSentence(text, word);
        if (status == 405) Assert.NotEmpty(response.Content.Headers.Allow);
        Assert.Equal(before, await SnapshotAsync());
    }

    [Theory]
    [InlineData("GET", "/api/nothing-here")]
    [InlineData("DELETE", "/api/services/web/history")]
    [InlineData("POST", "/api/services/web/maintenance")]
    public async Task Anonymous_UnknownRouteOrWrongMethodOrBodyType_Is401Like_AnyOtherCall(string method, string path)
    {
        using var anonymous = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { BaseAddress = _router.AdminUri };
        using var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (method == "POST") request.Content = new StringContent("on", Encoding.UTF8, "text/plain");
        using var response = await anonymous.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Unauthorized, $"{method} {path} answered {(int)response.StatusCode}: {body}");
        AssertOneSentence(body, "token");
    }

    public static TheoryData<string, string, string?> ServiceCalls() => new()
    {
        { "GET", "/api/services/ghost", null },
        { "DELETE", "/api/services/ghost", null },
        { "GET", "/api/services/ghost/definition", null },
        { "GET", "/api/services/ghost/history", null },
        { "GET", "/api/services/ghost/releases", null },
        { "GET", "/api/services/ghost/tags", null },
        { "GET", "/api/services/ghost/logs", null },
        { "GET", "/api/services/ghost/traffic", null },
        { "POST", "/api/services/ghost/pause", null },
        { "POST", "/api/services/ghost/resume", null },
        { "POST", "/api/services/ghost/maintenance", """{"on": true}""" },
        { "POST", "/api/services/ghost/canary", """{"percent": 10}""" },
        { "POST", "/api/services/ghost/deploy", """{"image": "127.0.0.1:5000/baton-sample:v2"}""" },
        { "POST", "/api/services/ghost/promote", null },
        { "POST", "/api/services/ghost/abort", null },
        { "POST", "/api/services/ghost/rollback", null },
        { "POST", "/api/services/ghost/rollback", """{"to": "r1"}""" },
    };

    /// <summary>Every {name} route, from the server's own list, answers an unknown service with 404 (the theory above names each; this one proves none is missing).</summary>
    [Fact]
    public void ServiceCalls_CoverEveryNameRoute()
    {
        var covered = ServiceCalls().Select(row => $"{row[0]} {((string)row[1]).Replace("ghost", "{name}", StringComparison.Ordinal)}").ToHashSet();
        var routes = Auth.AccessTests.Routes(_router, "{name}").Where(r => r.Path.StartsWith("/api/services/{name}", StringComparison.Ordinal)).Select(r => $"{r.Method} {r.Path}").ToList();
        Assert.NotEmpty(routes);
        Assert.All(routes, r => Assert.True(covered.Contains(r), $"{r} is not checked for an unknown service"));
    }

    [Theory]
    [MemberData(nameof(ServiceCalls))]
    public async Task UnknownService_404OneSentenceAndNothingChanged(string method, string path, string? body)
    {
        var before = await SnapshotAsync();
        using var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (body is not null) request.Content = Json(body);
        using var response = await _http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.NotFound, $"{method} {path} answered {(int)response.StatusCode}: {text}");
        AssertOneSentence(text, "ghost");
        Assert.Equal(before, await SnapshotAsync());
    }

    private static void AssertOneSentence(string body, string word)
    {
        var error = JsonSerializer.Deserialize(body, BatonJson.Default.ApiError);
        Assert.False(string.IsNullOrWhiteSpace(error?.Error), body);
        Assert.Contains(word, error!.Error, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain('\n', error.Error);
    }

    /// <summary>What a bad call must not change: the router's services and their state, the applied services, the history.</summary>
    private async Task<string> SnapshotAsync()
    {
        var status = await _router.StatusAsync();
        var services = status.Services.OrderBy(s => s.Name).Select(s =>
            $"{s.Name} paused={s.Paused} maintenance={s.Maintenance} canary={s.CanaryPercent} active={s.Active?.Name}:{string.Join(',', s.Active?.Targets.Select(t => t.Address) ?? [])} candidate={s.Candidate?.Name}");
        var applied = await _http.GetStringAsync("/api/services");
        var history = await _http.GetStringAsync("/api/services/shop/history");
        var ghost = await _http.GetAsync("/api/services/ghost/definition");
        return string.Join("\n", services) + "\n" + applied + "\n" + history + "\n" + (int)ghost.StatusCode;
    }
}
