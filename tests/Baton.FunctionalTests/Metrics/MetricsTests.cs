using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using Baton.FunctionalTests.Infrastructure;

namespace Baton.FunctionalTests.Metrics;

public sealed class MetricsTests : IAsyncLifetime
{
    private RouterHost _router = null!;
    private Backend _backend = null!;

    public async Task InitializeAsync()
    {
        _router = await RouterHost.StartAsync();
        _backend = await Backend.StartAsync("v1");
        await _router.DeployOkAsync("shop", _backend);
    }

    public async Task DisposeAsync()
    {
        await _router.DisposeAsync();
        await _backend.DisposeAsync();
    }

    private async Task SendTrafficAsync()
    {
        foreach (var (path, n) in new[] { ("/", 5), ("/status/404", 3), ("/status/500", 2), ("/status/302", 1) })
            for (int i = 0; i < n; i++)
            {
                using var r = await _router.Proxy.GetAsync(path);
                await r.Content.ReadAsStringAsync();
            }
    }

    internal static double Metric(string text, string line)
    {
        var found = text.Split('\n').FirstOrDefault(l => l.StartsWith(line + " ", StringComparison.Ordinal));
        Assert.True(found is not null, $"no line {line} in:\n{text}");
        return double.Parse(found[(line.Length + 1)..], CultureInfo.InvariantCulture);
    }

    [Fact]
    public async Task Metrics_AfterTraffic_CountsByStatusClassAndLatencyHistogram()
    {
        await SendTrafficAsync();
        var labels = $"service=\"shop\",pool=\"active\",target=\"{_backend.Address}\"";
        string text = "";
        await Wait.UntilAsync(async () =>
        {
            text = await _router.Admin.GetStringAsync("/metrics");
            return Metric(text, $"baton_request_duration_seconds_count{{{labels}}}") == 11;
        }, "all 11 requests are counted");

        Assert.Equal(5, Metric(text, $"baton_requests_total{{{labels},code=\"2xx\"}}"));
        Assert.Equal(1, Metric(text, $"baton_requests_total{{{labels},code=\"3xx\"}}"));
        Assert.Equal(3, Metric(text, $"baton_requests_total{{{labels},code=\"4xx\"}}"));
        Assert.Equal(2, Metric(text, $"baton_requests_total{{{labels},code=\"5xx\"}}"));
        Assert.Equal(11, Metric(text, $"baton_request_duration_seconds_bucket{{{labels},le=\"+Inf\"}}"));
        Assert.Equal(11, Metric(text, $"baton_request_duration_seconds_bucket{{{labels},le=\"10\"}}"));
        Assert.True(Metric(text, $"baton_request_duration_seconds_sum{{{labels}}}") > 0);
        Assert.Equal(1, Metric(text, $"baton_target_healthy{{{labels}}}"));
        Assert.Contains("# TYPE baton_request_duration_seconds histogram", text);
        Assert.Contains("# TYPE baton_requests_total counter", text);

        // Buckets are cumulative: never decreasing.
        var buckets = text.Split('\n').Where(l => l.StartsWith($"baton_request_duration_seconds_bucket{{{labels}", StringComparison.Ordinal))
            .Select(l => double.Parse(l[(l.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(14, buckets.Count);
        Assert.Equal(buckets.Order().ToList(), buckets);
    }

    [Fact]
    public async Task Metrics_RequestWithoutRoute_CountedAsUnrouted()
    {
        using (var removed = await _router.Admin.DeleteAsync("/api/services/shop"))
            Assert.Equal(HttpStatusCode.OK, removed.StatusCode);
        var missing = await RawHttp.SendAsync(_router.ProxyUri, "GET", "/");
        Assert.Equal(404, missing.Status);
        var text = await _router.Admin.GetStringAsync("/metrics");
        Assert.Equal(1, Metric(text, "baton_unrouted_requests_total{reason=\"no_route\"}"));
    }

    [Fact]
    public async Task Status_AfterTraffic_JsonCountsByStatusClass()
    {
        await SendTrafficAsync();
        await Wait.UntilAsync(async () => (await _router.TargetStatusAsync("shop", _backend))!.Requests == 11, "all 11 requests are counted");
        var target = (await _router.TargetStatusAsync("shop", _backend))!;
        Assert.Equal(5, target.ByClass.S2xx);
        Assert.Equal(1, target.ByClass.S3xx);
        Assert.Equal(3, target.ByClass.S4xx);
        Assert.Equal(2, target.ByClass.S5xx);
        Assert.Equal("healthy", target.Health);
        Assert.Equal(0, target.InFlight);
    }

    [Theory]
    [InlineData("/metrics", null)]
    [InlineData("/metrics", "wrong-token")]
    [InlineData("/api/status", null)]
    [InlineData("/api/status", "wrong-token")]
    [InlineData("/api/services/shop", null)]
    public async Task AdminApi_WithoutValidToken_401(string path, string? token)
    {
        using var client = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { BaseAddress = _router.AdminUri };
        if (token is not null) client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await client.GetAsync(path);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        var body = await response.Content.ReadAsStringAsync();
        Assert.DoesNotContain("baton_requests_total", body);
        Assert.Contains("token", body);
    }

    [Fact]
    public async Task AdminApi_DeployWithoutToken_401AndNothingChanges()
    {
        using var client = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { BaseAddress = _router.AdminUri };
        using var response = await client.PostAsync("/api/services/intruder/deploy",
            new StringContent($$"""{"targets":["{{_backend.Address}}"]}""", MediaTypeHeaderValue.Parse("application/json")));
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Null(await _router.StatusAsync("intruder"));
    }
}
