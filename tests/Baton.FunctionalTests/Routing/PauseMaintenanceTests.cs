using System.Net;
using Baton.FunctionalTests.Infrastructure;

namespace Baton.FunctionalTests.Routing;

public sealed class PauseMaintenanceTests : IAsyncLifetime
{
    private RouterHost _router = null!;
    private Backend _backend = null!;

    public async Task InitializeAsync()
    {
        _router = await RouterHost.StartAsync();
        _backend = await Backend.StartAsync("v1");
        await _router.DeployOkAsync("app", _backend);
    }

    public async Task DisposeAsync()
    {
        await _router.DisposeAsync();
        await _backend.DisposeAsync();
    }

    [Fact]
    public async Task Pause_RequestsHeld_CompleteAfterResume()
    {
        await _router.PauseAsync("app", "30s");
        int before = _backend.Requests;
        var held = Enumerable.Range(0, 4).Select(_ => _router.GetAsync("/", client: _router.NewProxyClient())).ToList();
        var raw = RawHttp.SendAsync(_router.ProxyUri, "POST", "/echo", body: "held body");
        await Task.Delay(500);
        Assert.All(held, t => Assert.False(t.IsCompleted, "a request completed while paused"));
        Assert.False(raw.IsCompleted);
        Assert.Equal(before, _backend.Requests);
        Assert.True((await _router.StatusAsync("app"))!.Paused);

        await _router.ResumeAsync("app");
        foreach (var t in held)
        {
            var (status, body, r) = await Wait.ForAsync(t, "a held request to complete");
            r.Dispose();
            Assert.Equal(HttpStatusCode.OK, status);
            Assert.Equal("v1", body);
        }
        var rawResponse = await Wait.ForAsync(raw, "the held POST to complete");
        Assert.Equal(200, rawResponse.Status);
        Assert.Equal("v1:9", rawResponse.Body);
    }

    [Fact]
    public async Task Pause_HeldPastMax_503WithRetryAfter()
    {
        await _router.PauseAsync("app", "300ms");
        var (status, body, response) = await _router.GetAsync("/");
        using (response)
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
            Assert.NotNull(response.Headers.RetryAfter);
            Assert.Contains("paused", body);
        }
        Assert.Equal(0, _backend.Requests);
    }

    [Fact]
    public async Task Maintenance_On_503WithMessageAsTextOrHtml()
    {
        await _router.MaintenanceAsync("app", true, "Back at 5 <pm>");
        var (status, body, response) = await _router.GetAsync("/");
        using (response)
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
            Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
            Assert.Equal("Back at 5 <pm>\n", body);
            Assert.NotNull(response.Headers.RetryAfter);
        }

        using var request = new HttpRequestMessage(HttpMethod.Get, "/");
        request.Headers.Accept.ParseAdd("text/html,application/xhtml+xml;q=0.9");
        using var html = await _router.Proxy.SendAsync(request);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, html.StatusCode);
        Assert.Equal("text/html", html.Content.Headers.ContentType?.MediaType);
        var page = await html.Content.ReadAsStringAsync();
        Assert.Contains("<html", page);
        Assert.Contains("Back at 5 &lt;pm&gt;", page);
        Assert.Equal(0, _backend.Requests);

        await _router.MaintenanceAsync("app", false, null);
        var (after, afterBody, r) = await _router.GetAsync("/");
        r.Dispose();
        Assert.Equal(HttpStatusCode.OK, after);
        Assert.Equal("v1", afterBody);
    }
}
