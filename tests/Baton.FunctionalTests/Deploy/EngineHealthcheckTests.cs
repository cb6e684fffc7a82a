using Baton.Deploy;
using Baton.FunctionalTests.Infrastructure;

namespace Baton.FunctionalTests.Deploy;

/// <summary>
/// <c>healthcheck:</c> (compose's, or baton.yml's): the engine's own check in the container gates
/// the release. No HTTP health path is given, so only the engine can say the app is ready.
/// </summary>
public sealed class EngineHealthcheckTests
{
    /// <summary>The service file with the engine's check and no health.path (BlueGreenApp's health: block has none).</summary>
    private static string WithCheck(BlueGreenApp app, string test, string retries = "3", string startPeriod = "0s", string timeout = "2s") => app.Yaml($"""
        healthcheck:
          test: {test}
          interval: 200ms
          timeout: {timeout}
          retries: {retries}
          start_period: {startPeriod}
        """);

    [Fact]
    public async Task Healthcheck_NotYetPassing_ReleaseWaits_SwitchesOnlyOnceTheEngineSaysHealthy()
    {
        await using var app = await BlueGreenApp.StartAsync();
        // Ready only once /tmp/ready exists in the container: the app itself answers at once. Failures
        // in the start period do not count (as compose's): the container stays "starting" until then.
        await app.ApplyOkAsync(WithCheck(app, "[CMD-SHELL, \"test -f /tmp/ready\"]", startPeriod: "60s"));

        var deploy = app.DeployAsync("v1");
        await Wait.UntilAsync(async () => (await app.ContainersAsync()).Any(c => c.Running() && c.Label(ContainerLabels.Role) == ContainerLabels.Web), "the v1 container runs");
        var web = (await app.ContainersAsync()).Single(c => c.Label(ContainerLabels.Role) == ContainerLabels.Web);
        // The app answers /health already, yet the engine's check fails: two seconds on, nothing is live.
        await Task.Delay(TimeSpan.FromSeconds(2));
        Assert.False(deploy.IsCompleted, "the deploy ended before the engine's check passed");
        var before = await app.GetAsync();
        Assert.NotEqual(200, before.Status);

        var touched = await SampleImages.RunAsync("docker", ["exec", web.Id, "/bin/busybox", "touch", "/tmp/ready"], TimeSpan.FromSeconds(30));
        Assert.True(touched.ExitCode == 0, touched.ToString());
        var result = await Wait.ForAsync(deploy, "the deploy ends once the check passes", TimeSpan.FromSeconds(30));

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal("v1", await app.LiveVersionAsync());
        var status = await app.CliAsync("status", app.Name);
        Assert.Contains("health tcp", status.Stdout); // the router's own probe: the port is open
    }

    [Fact]
    public async Task Healthcheck_PassesButNothingListensBehindThePublishedPort_NeverSwitched()
    {
        await using var app = await BlueGreenApp.StartAsync();
        // The engine's check passes at once, but the app listens on 9999 while 8080 is published:
        // the engine's port forwarder accepts every connection and closes it at once, which the
        // router's probe must not take for an open port.
        await app.ApplyOkAsync(app.Yaml("""
            env:
              PORT: "9999"
            healthcheck:
              test: [CMD, /bin/busybox, "true"]
              interval: 200ms
            """, deployTimeout: "4s"));

        var result = await app.DeployAsync("v1");

        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.Contains("nothing listens behind the port", result.Stderr);
        Assert.NotEqual(200, (await app.GetAsync()).Status);
    }

    [Fact]
    public async Task Healthcheck_V1ToV2_WatchedAfterTheSwitchOnTheOpenPort_Succeeds()
    {
        await using var app = await BlueGreenApp.StartAsync();
        // A watch after the switch with no HTTP health path: the watch probes the open port. The
        // start period covers the app's own start (seconds on a loaded machine): failures in it do
        // not count, as in compose; without it three refused checks make the release unhealthy.
        await app.ApplyOkAsync(app.Yaml($"""
            healthcheck:
              test: [CMD, /bin/busybox, wget, -q, -O, /dev/null, "http://127.0.0.1:8080/health"]
              interval: 200ms
              retries: 3
              start_period: 30s
            """, watch: "2s"));
        await app.DeployOkAsync("v1");

        var second = await app.DeployOkAsync("v2");

        Assert.Contains("Watched after the switch", second.Stdout);
        Assert.Equal("v2", await app.LiveVersionAsync());
    }

    [Fact]
    public async Task Healthcheck_Unhealthy_DeployFailsWithTheChecksOutput_LiveUntouched()
    {
        await using var app = await BlueGreenApp.StartAsync();
        await app.ApplyOkAsync(WithCheck(app, "[CMD, /bin/busybox, wget, -q, -O, /dev/null, \"http://127.0.0.1:8080/health\"]", startPeriod: "30s"));
        await app.DeployOkAsync("v1");
        var live = (await app.ContainersAsync()).Select(c => c.Id).ToHashSet();

        // The next release's check prints why and fails: unhealthy after one failure.
        // A timeout the check cannot reach even on a loaded machine: there the engine's exec took over 2 s, and the
        // check's last output was the engine's "exceeded timeout" instead of the check's own (suite run 2026-12-07 13:28).
        await app.ApplyOkAsync(WithCheck(app, "[CMD-SHELL, \"echo database not reachable; exit 1\"]", retries: "1", timeout: "15s"));
        var result = await app.DeployAsync("v2");

        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.Contains("is unhealthy by its healthcheck (last check: exit code 1: database not reachable)", result.Stderr);
        Assert.Contains("the live release was not touched", result.Stderr);
        Assert.Equal("v1", await app.LiveVersionAsync());
        var left = await app.ContainersAsync();
        Assert.All(left, c => Assert.Contains(c.Id, live)); // the v2 container was removed
    }
}
