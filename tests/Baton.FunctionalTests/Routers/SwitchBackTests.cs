using Baton.FunctionalTests.Deploy;
using Baton.FunctionalTests.Infrastructure;
using Baton.Hosts.Tests.Ssh;
using Xunit.Abstractions;

namespace Baton.FunctionalTests.Routers;

/// <summary>
/// The commit of a switch that succeeds on some routers and fails on one: the ones that switched are switched back.
/// The fault is a real one, reached at the same moment every time: a deploy held before its switch (the new pool
/// staged on every router), and router r2 restarted meanwhile (SIGHUP: a new router process, no gap for its
/// clients; a staged candidate is not carried over, its rollout belonged to the old process). The promote then
/// finds r2 answering (its live pool read), commits on local and r1, and r2 refuses: no candidate there.
/// </summary>
public sealed class SwitchBackTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Promote_CommitFailsOnOneRouter_OthersSwitchedBack_FailsNamingIt_OldServesEverywhereWithZeroFailed_NothingStaged()
    {
        await using var app = await BlueGreenApp.StartAsync();
        using var sshd1 = new TestSshd();
        using var sshd2 = new TestSshd();
        await using var r1 = await RouterProcess.StartAsync();
        await using var r2 = await RouterProcess.StartAsync();
        await RouterHosts.AddAsync(app, "r1", sshd1, r1, output);
        await RouterHosts.AddAsync(app, "r2", sshd2, r2, output);
        await app.DeployOkAsync("v1");
        var pool = await RouterHosts.AssertAgreeAsync(app, output, "local", "r1", "r2");
        var v1 = BlueGreenApp.Release((await app.ContainersAsync()).Single());

        var routers = new[] { ("local", app.ProxyUri), ("r1", r1.ProxyUri), ("r2", r2.ProxyUri) };
        var loads = routers.Select(r => (Name: r.Item1, Load: TrafficLoad.Start(r.Item2, app.Host, slow: 1))).ToList();
        try
        {
            await Task.Delay(500);
            var held = await app.DeployOkAsync("v2", "--hold");
            output.WriteLine(held.Stdout);
            var staged = await RouterHosts.ViewsAsync(app);
            Assert.All(staged, v => Assert.NotNull(v.Service?.Candidate));

            // r2 restarted while the deploy is held, with long requests in flight there that its old process drains after
            // the handover. The controller's kept link reaches the new process from the handover on (not the old one,
            // whose route table no longer serves): r2 serves on, and has no candidate.
            var oldPid = staged.Single(v => v.Router.Name == "r2").Router.Pid;
            await using var slow = SlowLoad.Start(r2.ProxyUri, app.Host);
            await Task.Delay(4000);
            await r2.HangUpAsync();
            await Wait.UntilAsync(() => r2.Output.Contains($"Router process PID {oldPid}: handed over", StringComparison.Ordinal), "r2's old router process hands over", TimeSpan.FromSeconds(30));
            var after = await RouterHosts.ViewsAsync(app);
            Assert.NotEqual(oldPid, after.Single(v => v.Router.Name == "r2").Router.Pid);
            Assert.Null(after.Single(v => v.Router.Name == "r2").Service!.Candidate);
            Assert.NotNull(after.Single(v => v.Router.Name == "r1").Service!.Candidate);
            await slow.StopAsync();
            output.WriteLine($"r2, 4 s requests across its restart: {slow.Summary}");
            Assert.True(slow.Failures.Count == 0, slow.Summary);

            var promoted = await app.CliAsync("promote", app.Name);
            output.WriteLine(promoted.ToString());
            Assert.NotEqual(0, promoted.ExitCode);
            var said = (promoted.Stdout + promoted.Stderr).Replace("\n", " ", StringComparison.Ordinal);
            Assert.Contains("failed on router r2", said);
            Assert.Contains($"local switched back to {pool}", said);
            Assert.Contains($"r1 switched back to {pool}", said);
            Assert.Contains("the old release serves", said);
            Assert.DoesNotContain("unexpected error", said);

            // Every router serves the old release from the same pool, and none has anything staged.
            Assert.Equal(pool, await RouterHosts.AssertAgreeAsync(app, output, "local", "r1", "r2"));
            foreach (var (name, uri) in routers) Assert.True(await RouterHosts.VersionAsync(uri, app) == "v1", $"{name} does not serve v1");
            var failed = await app.LatestAsync();
            output.WriteLine($"#{failed.Id} {failed.Outcome}: {failed.Reason}");
            Assert.Equal("failed", failed.Outcome);
            Assert.Contains("router r2", failed.Reason);
            // The new release is gone; the old one runs alone.
            Assert.Equal([v1], (await app.ContainersAsync()).Select(BlueGreenApp.Release));

            await Task.Delay(500);
            foreach (var (name, load) in loads)
            {
                await load.StopAsync();
                output.WriteLine($"{name} through the hold, r2's restart and the failed promote: {load.Summary}");
            }
            Assert.All(loads, l => Assert.True(l.Load.Failures.Count == 0, $"{l.Name}: {l.Load.Summary}"));
        }
        finally
        {
            foreach (var (_, load) in loads) await load.DisposeAsync();
        }

        // Nothing is left behind that stops the next deploy: it lands on every router.
        var deployed = await app.DeployOkAsync("v2");
        Assert.Contains("Switched on 3 routers", deployed.Stdout + deployed.Stderr);
        foreach (var (_, uri) in routers) Assert.Equal("v2", await RouterHosts.VersionAsync(uri, app));
        Assert.NotEqual(pool, await RouterHosts.AssertAgreeAsync(app, output, "local", "r1", "r2"));
    }

    /// <summary>Four GET /slow?ms=4000 in flight at all times, a quarter apart, each on a new connection and never retried.</summary>
    private sealed class SlowLoad : IAsyncDisposable
    {
        private readonly CancellationTokenSource _stop = new();
        private readonly List<Task> _loops = [];
        private int _requests;

        public List<string> Failures { get; } = [];

        public static SlowLoad Start(Uri router, string host)
        {
            var load = new SlowLoad();
            for (int i = 0; i < 4; i++)
            {
                var delay = TimeSpan.FromMilliseconds(1000 * i);
                load._loops.Add(Task.Run(async () =>
                {
                    await Task.Delay(delay);
                    var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(2);
                    while (!load._stop.IsCancellationRequested && DateTime.UtcNow < deadline)
                    {
                        Interlocked.Increment(ref load._requests);
                        try
                        {
                            var r = await RawHttp.SendAsync(router, "GET", "/slow?ms=4000", host);
                            if (r.Status != 200) lock (load.Failures) load.Failures.Add($"{r.Status} {r.Body.Trim()}");
                        }
                        catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException)
                        {
                            lock (load.Failures) load.Failures.Add(e.Message);
                        }
                    }
                }));
            }
            return load;
        }

        public string Summary => $"{_requests} requests, {Failures.Count} failed" + (Failures.Count == 0 ? "" : ": " + string.Join("; ", Failures.Take(5)));

        public async Task StopAsync()
        {
            await _stop.CancelAsync();
            await Task.WhenAll(_loops);
        }

        public async ValueTask DisposeAsync()
        {
            await StopAsync();
            _stop.Dispose();
        }
    }
}
