using System.Text;
using System.Text.Json;
using Baton.FunctionalTests.Infrastructure;
using Baton.Router.Logging;

namespace Baton.FunctionalTests.Forwarding;

/// <summary>
/// The request log and X-Request-ID through a real router and backend: each request's JSON line
/// holds what was sent and answered, and never a cookie, an authorization or a query value.
/// </summary>
public sealed class RequestLogTests : IAsyncLifetime
{
    private string _dir = null!;
    private string _logFile = null!;
    private RouterHost _router = null!;
    private Backend _backend = null!;

    public async Task InitializeAsync()
    {
        _dir = Directory.CreateTempSubdirectory("baton-ft-reqlog-").FullName;
        _logFile = Path.Combine(_dir, "requests.log");
        _router = await RouterHost.StartAsync(configure: o => o with { RequestLog = new RequestLogOptions { Destination = _logFile } });
        _backend = await Backend.StartAsync("v1");
        await _router.DeployOkAsync("web", RouterHost.Request([_backend], hosts: ["shop.example.com"]));
    }

    public async Task DisposeAsync()
    {
        await _router.DisposeAsync();
        await _backend.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }

    private static Dictionary<string, string> EchoedHeaders(string body) =>
        body.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split(": ", 2)).ToDictionary(p => p[0], p => p.Length > 1 ? p[1] : "");

    /// <summary>The log's lines by request id, once all of <paramref name="ids"/> are written (the writer is off the request path).</summary>
    private async Task<Dictionary<string, JsonElement>> LinesAsync(params string[] ids)
    {
        Dictionary<string, JsonElement> lines = [];
        await Wait.UntilAsync(() =>
        {
            // Only whole lines: the writer may be appending a batch right now.
            var text = File.Exists(_logFile) ? File.ReadAllText(_logFile) : "";
            lines = text[..(text.LastIndexOf('\n') + 1)].Split('\n', StringSplitOptions.RemoveEmptyEntries)
                .Select(l => JsonDocument.Parse(l).RootElement).ToDictionary(e => e.GetProperty("request_id").GetString()!);
            return ids.All(lines.ContainsKey);
        }, $"request log lines for {string.Join(", ", ids)}", TimeSpan.FromSeconds(10));
        return lines;
    }

    [Fact]
    public async Task Requests_EachOneJsonLine_FieldsMatchWhatWasSentAndAnswered()
    {
        var started = DateTimeOffset.UtcNow.AddSeconds(-1);
        const string secrets = "Cookie: session=cookie-secret; theme=dark\r\nAuthorization: Bearer auth-secret";
        // 1. A GET with cookies, authorization and a token in the query, and no request id.
        var get = await RawHttp.SendAsync(_router.ProxyUri, "GET", "/headers?token=query-secret&user=alice", host: "Shop.Example.com:8080",
            headers: [.. secrets.Split("\r\n"), "User-Agent: ft-client/1.0"]);
        Assert.Equal(200, get.Status);
        var generated = get.Header("X-Request-ID");
        Assert.Matches("^[0-9a-f]{16}$", generated);
        Assert.Equal(generated, EchoedHeaders(get.Body)["x-request-id"]); // the backend saw the same id

        // 2. A POST with a body and the client's own request id.
        var body = new string('x', 1000);
        var post = await RawHttp.SendAsync(_router.ProxyUri, "POST", "/upload", host: "shop.example.com", body: body, headers: ["X-Request-ID: client-abc-123"]);
        Assert.Equal(200, post.Status);
        Assert.Equal("client-abc-123", post.Header("X-Request-ID"));

        // 3. A status of the app's own choosing, its id echoed back by the backend's /headers on a second call.
        var teapot = await RawHttp.SendAsync(_router.ProxyUri, "GET", "/status/418", host: "shop.example.com", headers: ["X-Request-ID: teapot-1"]);
        Assert.Equal(418, teapot.Status);

        // 4. No service routed: the router's own 404, still logged, still with its id.
        var none = await RawHttp.SendAsync(_router.ProxyUri, "GET", "/x?secret=query-secret", host: "nowhere.example.com", headers: ["X-Request-ID: none-1", .. secrets.Split("\r\n")]);
        Assert.Equal(404, none.Status);
        Assert.Equal("none-1", none.Header("X-Request-ID"));

        var lines = await LinesAsync(generated!, "client-abc-123", "teapot-1", "none-1");
        var colour = (await _router.StatusAsync("web"))!.Active!.Name;

        var g = lines[generated!];
        Assert.InRange(DateTimeOffset.Parse(g.GetProperty("time").GetString()!), started, DateTimeOffset.UtcNow.AddSeconds(1));
        Assert.EndsWith("Z", g.GetProperty("time").GetString());
        Assert.Equal("web", g.GetProperty("service").GetString());
        Assert.Equal(colour, g.GetProperty("color").GetString());
        // A --target deploy names no release: the router was never told one.
        Assert.Equal(JsonValueKind.Null, g.GetProperty("release").ValueKind);
        Assert.Equal(_backend.Address, g.GetProperty("target").GetString());
        Assert.Equal("GET", g.GetProperty("method").GetString());
        Assert.Equal("shop.example.com", g.GetProperty("host").GetString());
        Assert.Equal("/headers", g.GetProperty("path").GetString());
        Assert.Equal(200, g.GetProperty("status").GetInt32());
        Assert.True(g.GetProperty("duration_ms").GetDouble() > 0);
        Assert.Equal(0, g.GetProperty("bytes_in").GetInt64());
        Assert.Equal(Encoding.UTF8.GetByteCount(get.Body), g.GetProperty("bytes_out").GetInt64());
        Assert.Equal("127.0.0.1", g.GetProperty("client").GetString());
        Assert.Equal("ft-client/1.0", g.GetProperty("user_agent").GetString());

        var p = lines["client-abc-123"];
        Assert.Equal("POST", p.GetProperty("method").GetString());
        Assert.Equal("/upload", p.GetProperty("path").GetString());
        Assert.Equal(1000, p.GetProperty("bytes_in").GetInt64());
        Assert.Equal(Encoding.UTF8.GetByteCount(post.Body), p.GetProperty("bytes_out").GetInt64());
        Assert.Equal(JsonValueKind.Null, p.GetProperty("user_agent").ValueKind);

        Assert.Equal(418, lines["teapot-1"].GetProperty("status").GetInt32());

        var n = lines["none-1"];
        Assert.Equal(404, n.GetProperty("status").GetInt32());
        Assert.Equal(JsonValueKind.Null, n.GetProperty("service").ValueKind);
        Assert.Equal(JsonValueKind.Null, n.GetProperty("target").ValueKind);
        Assert.Equal("nowhere.example.com", n.GetProperty("host").GetString());
        Assert.Equal("/x", n.GetProperty("path").GetString());

        // Nothing secret was written: the headers and the query values reached the backend, not the log.
        Assert.Contains("cookie-secret", get.Body);
        var text = File.ReadAllText(_logFile);
        foreach (var secret in new[] { "cookie-secret", "session=", "auth-secret", "Bearer", "query-secret", "token", "alice", "?" })
            Assert.DoesNotContain(secret, text);
    }

    [Fact]
    public async Task RequestId_Malformed_ReplacedAndTheBackendSeesTheNewOne()
    {
        var longId = new string('a', 200);
        var response = await RawHttp.SendAsync(_router.ProxyUri, "GET", "/headers", host: "shop.example.com", headers: [$"X-Request-ID: {longId}"]);
        Assert.Equal(200, response.Status);
        var id = response.Header("X-Request-ID");
        Assert.Matches("^[0-9a-f]{16}$", id);
        Assert.Equal(id, EchoedHeaders(response.Body)["x-request-id"]);
        Assert.DoesNotContain(longId, response.Body);
        await LinesAsync(id!);
    }

    [Fact]
    public async Task RequestId_TargetSendsItsOwn_ClientGetsTheOneTheRouterLogged()
    {
        // The backend's /headers names what it got; a target answering with another id does not replace it.
        using var request = new HttpRequestMessage(HttpMethod.Get, "/status/200");
        request.Headers.Host = "shop.example.com";
        request.Headers.Add("X-Request-ID", "mine-7");
        var response = await _router.Proxy.SendAsync(request);
        Assert.Equal("mine-7", Assert.Single(response.Headers.GetValues("X-Request-ID")));
        await LinesAsync("mine-7");
    }

    [Fact]
    public async Task Metrics_LogOn_DroppedCounterExported()
    {
        var metrics = await _router.Admin.GetStringAsync("/metrics");
        Assert.Contains("\nbaton_request_log_dropped_total 0\n", metrics);
    }
}
