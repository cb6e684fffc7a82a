using System.Net;
using Baton.FunctionalTests.Infrastructure;

namespace Baton.FunctionalTests.Health;

/// <summary>Active health checks decide which targets take traffic; passive ejection reacts to connection failures.</summary>
public sealed class HealthTests : IAsyncLifetime
{
    private RouterHost _router = null!;
    private readonly List<Backend> _backends = [];

    public async Task InitializeAsync() => _router = await RouterHost.StartAsync();

    public async Task DisposeAsync()
    {
        await _router.DisposeAsync();
        foreach (var b in _backends) await b.DisposeAsync();
    }

    private async Task<Backend> BackendAsync(string name, int port = 0)
    {
        var b = await Backend.StartAsync(name, port);
        _backends.Add(b);
        return b;
    }

    private async Task<string> HealthOf(string service, Backend b) => (await _router.TargetStatusAsync(service, b))?.Health ?? "absent";

    [Fact]
    public async Task Deploy_NewTargetFailingChecks_TakesTrafficOnlyAfterChecksPass()
    {
        var v1 = await BackendAsync("v1");
        var v2 = await BackendAsync("v2");
        await _router.DeployOkAsync("new-target", v1);
        v2.Healthy = false;

        var deploy = _router.DeployAsync("new-target", RouterHost.Request([v2]));
        await Wait.UntilAsync(async () => (await _router.StatusAsync("new-target"))?.Candidate is not null, "the candidate pool exists");
        for (int i = 0; i < 20; i++)
        {
            var (status, body, r) = await _router.GetAsync("/");
            r.Dispose();
            Assert.Equal(HttpStatusCode.OK, status);
            Assert.Equal("v1", body);
        }
        Assert.Equal(0, v2.Requests);
        Assert.Equal("pending", await HealthOf("new-target", v2));
        Assert.False(deploy.IsCompleted);

        v2.Healthy = true;
        var result = await Wait.ForAsync(deploy, "the deploy to finish once v2 is healthy");
        Assert.True(result.Succeeded, result.ToString());
        var (_, after, r2) = await _router.GetAsync("/");
        r2.Dispose();
        Assert.Equal("v2", after);
    }

    [Fact]
    public async Task Health_TargetStartsFailing_TakenOutOfRotation()
    {
        var a = await BackendAsync("a");
        var b = await BackendAsync("b");
        await _router.DeployOkAsync("failing", a, b);

        b.Healthy = false;
        await Wait.UntilAsync(async () => await HealthOf("failing", b) == "unhealthy", "b is marked unhealthy");
        int before = b.Requests;
        for (int i = 0; i < 30; i++)
        {
            var (status, body, r) = await _router.GetAsync("/");
            r.Dispose();
            Assert.Equal(HttpStatusCode.OK, status);
            Assert.Equal("a", body);
        }
        Assert.Equal(before, b.Requests);

        b.Healthy = true;
        await Wait.UntilAsync(async () => await HealthOf("failing", b) == "healthy", "b is healthy again");
        await Wait.UntilAsync(async () =>
        {
            var (_, body, r) = await _router.GetAsync("/");
            r.Dispose();
            return body == "b";
        }, "b takes traffic again");
    }

    [Fact]
    public async Task Health_NoHealthyTarget_503WithRetryAfter()
    {
        var a = await BackendAsync("a");
        await _router.DeployOkAsync("all-down", RouterHost.Request([a], hosts: ["down.example.com"]));
        a.Healthy = false;
        await Wait.UntilAsync(async () => await HealthOf("all-down", a) == "unhealthy", "a is marked unhealthy");

        var (status, body, response) = await _router.GetAsync("/", "down.example.com");
        using (response)
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
            Assert.NotNull(response.Headers.RetryAfter);
            Assert.Contains("no healthy target", body);
        }
    }

    [Fact]
    public async Task PassiveEjection_TargetProcessStopped_EjectedThenBackWhenProbedHealthy()
    {
        var a = await BackendAsync("a");
        var b = await BackendAsync("b");
        // Probes every 2 s with 3 failures needed: only passive ejection can take b out within the first seconds.
        await _router.DeployOkAsync("passive", RouterHost.Request([a, b], interval: "2s"));
        int port = b.Port;
        await b.StopAsync();

        for (int i = 0; i < 20; i++)
        {
            var (status, body, r) = await _router.GetAsync("/");
            r.Dispose();
            Assert.Equal(HttpStatusCode.OK, status);
            Assert.Equal("a", body);
        }
        var target = await _router.TargetStatusAsync("passive", b);
        Assert.Equal("unhealthy", target!.Health);
        Assert.InRange(target.ConnectFailures, 3, 5);

        var again = await BackendAsync("b-again", port);
        await Wait.UntilAsync(async () => await HealthOf("passive", again) == "healthy", "the restarted b is probed healthy");
        await Wait.UntilAsync(async () =>
        {
            var (_, body, r) = await _router.GetAsync("/");
            r.Dispose();
            return body == "b-again";
        }, "b takes traffic again");
    }
}
