using Baton.FunctionalTests.Deploy;
using Baton.FunctionalTests.Infrastructure;
using Baton.Hosts.Tests.Ssh;
using Xunit.Abstractions;

namespace Baton.FunctionalTests.Routers;

/// <summary>
/// A router host restarted while a second one serves: <c>baton router run</c> on r2 stopped (SIGTERM, then
/// separately SIGKILL to its supervisor and router process) and started again on its data directory. Its state
/// comes back from <c>router-state.json</c>, the other routers serve on with no failed request, and the next
/// deploy lands on every router.
/// </summary>
public sealed class RouterRestartTests(ITestOutputHelper output)
{
    [Fact]
    public async Task RouterHostRestarted_StateBack_OtherRoutersServeWithZeroFailed_NextDeployLandsOnBoth()
    {
        await using var app = await BlueGreenApp.StartAsync();
        using var sshd1 = new TestSshd();
        using var sshd2 = new TestSshd();
        await using var r1 = await RouterProcess.StartAsync();
        var r2 = await RouterProcess.StartAsync();
        var retired = new List<RouterProcess>();
        try
        {
            await RouterHosts.AddAsync(app, "r1", sshd1, r1, output);
            await RouterHosts.AddAsync(app, "r2", sshd2, r2, output);
            await app.DeployOkAsync("v1");
            var pool = await RouterHosts.AssertAgreeAsync(app, output, "local", "r1", "r2");

            // Non-retrying load on the routers that stay up for the whole test; r2's own while it restarts.
            await using var local = TrafficLoad.Start(app.ProxyUri, app.Host, slow: 1);
            await using var steady = TrafficLoad.Start(r1.ProxyUri, app.Host, slow: 1);
            foreach (var kill in new[] { false, true })
            {
                var how = kill ? "SIGKILL" : "SIGTERM";
                var before = await RouterHosts.ViewsAsync(app);
                var pidBefore = before.Single(v => v.Router.Name == "r2").Router.Pid;
                await using (var down = RestartLoad.Start(r2.ProxyUri, app.Host))
                {
                    await Task.Delay(500);
                    retired.Add(r2);
                    r2 = await r2.RestartAsync(kill);
                    // Its first answer after the start is the live release: the saved pool, trusted healthy at once.
                    Assert.Equal("v1", await RouterHosts.VersionAsync(r2.ProxyUri, app));
                    await Task.Delay(500);
                    await down.StopAsync();
                    output.WriteLine($"r2 restarted ({how}), its own load: {down.Summary}");
                    Assert.True(down.Wrong.Count == 0, "r2 answered, but not the live release: " + string.Join("\n", down.Wrong.Take(10)));
                    Assert.Equal("v1", down.LastAnswer);
                }

                // Its state is back: the same pool and targets as the other routers, seen through the controller's link.
                Assert.Equal(pool, await RouterHosts.AssertAgreeAsync(app, output, "local", "r1", "r2"));
                Assert.NotEqual(pidBefore, (await RouterHosts.ViewsAsync(app)).Single(v => v.Router.Name == "r2").Router.Pid);
                var status = await app.CliAsync("status");
                output.WriteLine(status.Stdout);
                Assert.Equal(0, status.ExitCode);
                foreach (var name in new[] { "local", "r1", "r2" })
                    Assert.Contains(status.Stdout.Split('\n'), l => l.StartsWith(name + " ", StringComparison.Ordinal) && l.Contains("router PID", StringComparison.Ordinal));
            }

            // The deploy after the restarts lands on every router, r2 under load of its own too.
            await using (var after = TrafficLoad.Start(r2.ProxyUri, app.Host, slow: 1))
            {
                await Task.Delay(500);
                var deployed = await app.DeployOkAsync("v2");
                output.WriteLine(deployed.Stdout);
                Assert.Contains("Switched on 3 routers", deployed.Stdout + deployed.Stderr);
                await Task.Delay(500);
                await after.StopAsync();
                output.WriteLine($"r2 during the deploy of v2 after its restarts: {after.Summary}");
                Assert.True(after.Failures.Count == 0, after.Summary);
            }
            foreach (var router in new[] { app.ProxyUri, r1.ProxyUri, r2.ProxyUri }) Assert.Equal("v2", await RouterHosts.VersionAsync(router, app));
            Assert.NotEqual(pool, await RouterHosts.AssertAgreeAsync(app, output, "local", "r1", "r2"));

            await local.StopAsync();
            await steady.StopAsync();
            output.WriteLine($"local router through both restarts of r2 and the deploy: {local.Summary}");
            output.WriteLine($"r1 through both restarts of r2 and the deploy: {steady.Summary}");
            Assert.True(local.Failures.Count == 0, local.Summary);
            Assert.True(steady.Failures.Count == 0, steady.Summary);
            Assert.Contains("v2", steady.Versions.Keys);
        }
        finally
        {
            await r2.DisposeAsync();
            foreach (var r in retired) await r.DisposeAsync();
        }
    }

    /// <summary>
    /// GET /version on a new connection each, never retried, on a router that goes away and comes back: while it is
    /// down its connections are refused or reset (counted, not wrong); every answer it gives must be 200 with a version.
    /// </summary>
    private sealed class RestartLoad : IAsyncDisposable
    {
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _loop;
        private int _requests, _unreachable;

        private RestartLoad(Uri router, string host) => _loop = Task.Run(() => LoopAsync(router, host));

        public List<string> Wrong { get; } = [];
        public string? LastAnswer { get; private set; }

        public static RestartLoad Start(Uri router, string host) => new(router, host);

        private async Task LoopAsync(Uri router, string host)
        {
            var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(2);
            while (!_stop.IsCancellationRequested && DateTime.UtcNow < deadline)
            {
                _requests++;
                try
                {
                    var r = await RawHttp.SendAsync(router, "GET", "/version", host);
                    if (r.Status == 200) LastAnswer = r.Body.Trim();
                    else lock (Wrong) Wrong.Add($"{r.Status} {r.Body.Trim()}");
                }
                catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException)
                {
                    // Down: refused, or reset by a router that stopped. Not spun on: one try every 20 ms.
                    _unreachable++;
                    await Task.Delay(20);
                }
            }
        }

        public string Summary => $"{_requests} requests, {_unreachable + Wrong.Count} failed ({_unreachable} refused or reset while it was down, {Wrong.Count} wrong answers)";

        public async Task StopAsync()
        {
            await _stop.CancelAsync();
            await _loop;
        }

        public async ValueTask DisposeAsync()
        {
            await StopAsync();
            _stop.Dispose();
        }
    }
}
