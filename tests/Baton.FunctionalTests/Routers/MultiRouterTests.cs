using System.Text.Json;
using Baton.Contracts;
using Baton.FunctionalTests.Deploy;
using Baton.FunctionalTests.Infrastructure;
using Baton.Hosts.Tests.Ssh;
using Xunit.Abstractions;

namespace Baton.FunctionalTests.Routers;

/// <summary>
/// Two router hosts (<c>baton router run</c>, each behind a real sshd whose key runs only
/// <c>baton router link</c>) added to a controller beside its own router: every switch lands on all
/// three or on none.
/// </summary>
public sealed class MultiRouterTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Deploy_TwoRouterHosts_SwitchedTogetherUnderLoad_ZeroFailedOnEach_AndADeadRouterStopsTheSwitchEverywhere()
    {
        await using var app = await BlueGreenApp.StartAsync();
        using var sshd1 = new TestSshd();
        using var sshd2 = new TestSshd();
        await using var r1 = await RouterProcess.StartAsync();
        await using var r2 = await RouterProcess.StartAsync();
        await AddAsync(app, "r1", sshd1, r1);
        await AddAsync(app, "r2", sshd2, r2);

        await app.DeployOkAsync("v1");
        foreach (var r in new[] { r1, r2 }) Assert.Equal("v1", await VersionAsync(r, app));

        // v1 → v2 under non-retrying load on both router hosts.
        using var stop = new CancellationTokenSource();
        var loads = new[] { r1, r2 }.Select(r => Task.Run(() => LoadAsync(r, app, stop.Token))).ToList();
        await Task.Delay(500);
        var deployed = await app.DeployOkAsync("v2");
        await Task.Delay(500);
        await stop.CancelAsync();
        output.WriteLine(deployed.Stdout);
        Assert.Contains("Switched on 3 routers", deployed.Stdout + deployed.Stderr);
        foreach (var (load, name) in loads.Zip(new[] { "r1", "r2" }))
        {
            var (requests, failures, versions) = await load;
            output.WriteLine($"{name}: {requests} requests, {failures.Count} failed; versions {string.Join(", ", versions)}");
            Assert.True(failures.Count == 0, $"{name}: " + string.Join("\n", failures.Take(10)));
            Assert.Contains("v2", versions);
        }
        foreach (var r in new[] { r1, r2 }) Assert.Equal("v2", await VersionAsync(r, app));
        Assert.Equal("v2", await app.LiveVersionAsync());

        var status = await app.CliAsync("status");
        output.WriteLine(status.Stdout);
        Assert.Equal(0, status.ExitCode);
        Assert.Contains("Routers (each one's own view", status.Stdout);
        foreach (var name in new[] { "local", "r1", "r2" })
            Assert.Contains(status.Stdout.Split('\n'), l => l.StartsWith(name + " ", StringComparison.Ordinal) && l.Contains("router PID", StringComparison.Ordinal));

        // A release that never gets healthy: the router whose health checks give up first stops the others' waits.
        // The deploy fails with that sentence (not with the others' cancelled calls), and no router keeps a candidate.
        await app.ApplyOkAsync(app.Yaml("env:\n  UNHEALTHY: \"1\"", deployTimeout: "5s"));
        var unhealthy = await app.DeployAsync("v3");
        output.WriteLine(unhealthy.ToString());
        Assert.Equal(1, unhealthy.ExitCode);
        Assert.DoesNotContain("unexpected error", unhealthy.Stdout + unhealthy.Stderr);
        Assert.Contains("healthy", unhealthy.Stderr);
        Assert.Contains("the live release was not touched", unhealthy.Stderr);
        foreach (var r in new[] { r1, r2 }) Assert.Equal("v2", await VersionAsync(r, app));
        var views = await app.CliAsync("status");
        output.WriteLine(views.Stdout);
        Assert.DoesNotContain("candidate", views.Stdout, StringComparison.OrdinalIgnoreCase); // this controller's view
        Assert.DoesNotContain(" staged", views.Stdout, StringComparison.Ordinal);            // each router's own view
        await app.ApplyOkAsync(app.Yaml());

        // A router host gone before a deploy: the deploy fails naming it, and the switch lands on no router.
        await r2.KillAsync();
        var failed = await app.DeployAsync("v3");
        output.WriteLine(failed.ToString());
        Assert.NotEqual(0, failed.ExitCode);
        Assert.Contains("router r2", failed.Stdout + failed.Stderr);
        Assert.Equal("v2", await VersionAsync(r1, app));
        Assert.Equal("v2", await app.LiveVersionAsync());
        var after = await app.CliAsync("status");
        output.WriteLine(after.Stdout);
        Assert.Contains(after.Stdout.Split('\n'), l => l.StartsWith("r2 ", StringComparison.Ordinal) && l.Contains("NOT REACHABLE", StringComparison.Ordinal));
        Assert.Contains(after.Stdout.Split('\n'), l => l.StartsWith("r1 ", StringComparison.Ordinal) && l.Contains("router PID", StringComparison.Ordinal));
    }

    private Task AddAsync(BlueGreenApp app, string name, TestSshd sshd, RouterProcess router) => RouterHosts.AddAsync(app, name, sshd, router, output);

    private static Task<string> VersionAsync(RouterProcess router, BlueGreenApp app) => RouterHosts.VersionAsync(router.ProxyUri, app);

    /// <summary>One request per new connection, never retried, until stopped (bounded at 2 minutes).</summary>
    private static async Task<(int Requests, List<string> Failures, HashSet<string> Versions)> LoadAsync(RouterProcess router, BlueGreenApp app, CancellationToken stop)
    {
        int requests = 0;
        var failures = new List<string>();
        var versions = new HashSet<string>();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(120);
        while (!stop.IsCancellationRequested && DateTime.UtcNow < deadline)
        {
            requests++;
            try
            {
                var r = await RawHttp.SendAsync(router.ProxyUri, "GET", "/version", app.Host);
                if (r.Status == 200) versions.Add(r.Body.Trim());
                else failures.Add($"{r.Status} {r.Body.Trim()}");
            }
            catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException or TimeoutException)
            {
                failures.Add(e.Message);
            }
        }
        return (requests, failures, versions);
    }
}
