using System.Collections.Concurrent;
using Baton.Deploy;
using Baton.FunctionalTests.Deploy;
using Baton.FunctionalTests.Infrastructure;
using Baton.FunctionalTests.Rollouts;
using Baton.Hosts.Tests.Infrastructure;
using Baton.Router.Forwarding;
using Xunit.Abstractions;

namespace Baton.FunctionalTests.Hosts;

/// <summary>
/// Canary, rolling, hold/promote, rollback and the watch window across app servers, as on one host: through
/// `baton host`'s forced command over real sshd, each server's own engine and the real router, under
/// non-retrying load with the failed requests printed. Workers follow the live colour from server to server and never run on
/// two at once, and the release task runs once, on one server: both read from the engines' own events.
/// </summary>
public sealed class StrategiesAcrossServersTests(ITestOutputHelper output)
{
    /// <summary>The seed's layout: blue on app1, green on app2. Host mode: the lab's engines run no bridge.</summary>
    private const string SeedLayout = "servers:\n  blue: [app1]\n  green: [app2]\ntarget:\n  mode: host\n";

    private const string Canary = "canary:\n  steps: [10, 50, 100]\n  step_time: 3s\n  min_requests: 30\n";

    [Fact]
    public async Task Canary_SeedLayout_ErringCandidateOnApp2RolledBack_ThenStickyStepsPromoted_ZeroFailed()
    {
        await using var pair = await LabServers.StartPairAsync(SeedLayout + Canary, output);
        var (app, app1, app2) = (pair.App, pair.App1, pair.App2);
        await app.DeployOkAsync("v1");   // blue, on app1
        var live = await LabServers.ContainersAsync(app1, app);

        // A candidate answering 500 to a fifth of its requests is rolled back in its first step.
        await app.ApplyOkAsync(app.Yaml(SeedLayout + Canary + "env:\n  FAIL_RATE: \"0.2\""));
        await using (var erring = TrafficLoad.Start(app.ProxyUri, app.Host, slow: 0))
        {
            await Wait.UntilAsync(() => erring.Requests > 20, "the load is flowing", TimeSpan.FromSeconds(20));
            var bad = await app.DeployAsync("v2", "--strategy", "canary", "--step-time", "60s");
            await erring.StopAsync();
            output.WriteLine(bad.ToString());
            output.WriteLine($"erring canary on app2: {erring.Summary}");
            Assert.Equal(1, bad.ExitCode);
            Assert.Contains("Rolled back automatically at 10%", bad.Stdout + bad.Stderr);
            // Only the candidate's share failed: at most 10 % of all requests (a fifth of a tenth expected), each a 500.
            Assert.True(erring.Failures.Count > 0, "the candidate got no traffic, so nothing was judged: " + erring.Summary);
            Assert.True(erring.Failures.Count <= erring.Requests * 0.10, $"{erring.Failures.Count} failed of {erring.Requests}: more than the 10 % share");
            Assert.All(erring.Failures, f => Assert.Contains("500", f));
        }
        // The live release untouched on app1; the candidate's containers gone from app2.
        Assert.Equal("v1", await app.LiveVersionAsync());
        Assert.Equal(live, await LabServers.ContainersAsync(app1, app));
        Assert.Empty(await LabServers.ContainersAsync(app2, app));

        // A good candidate goes through its steps, each client staying on its side, and is promoted.
        await app.ApplyOkAsync(app.Yaml(SeedLayout + Canary));
        await using var load = TrafficLoad.Start(app.ProxyUri, app.Host, slow: 1);
        await Wait.UntilAsync(() => load.Requests > 20, "the load is flowing", TimeSpan.FromSeconds(20));
        var deploy = app.DeployInBackground("v2", "--strategy", "canary");
        await app.WaitForStepAsync(1);
        foreach (var (bucket, version) in new[] { (0, "v2"), (9999, "v1") })
        {
            for (int i = 0; i < 3; i++)
            {
                var r = await RawHttp.SendAsync(app.ProxyUri, "GET", "/version", app.Host, headers: [$"Cookie: {CanarySplit.BucketCookie}={bucket}"]);
                Assert.True(r.Status == 200 && r.Body == version, $"bucket {bucket} got {r.Status} {r.Body}, expected {version}");
            }
        }
        Assert.NotNull((await app.StatusAsync()).Rollout);   // those answers came during the steps
        var promoted = await Wait.ForAsync(deploy, "the canary ends", TimeSpan.FromSeconds(90));
        await load.StopAsync();
        output.WriteLine(promoted.ToString());
        output.WriteLine($"good canary from app1 to app2: {load.Summary}");
        Assert.True(promoted.ExitCode == 0, promoted.ToString());
        Assert.True(load.Failures.Count == 0, load.Summary);
        Assert.Contains("Canary at 10% passed", promoted.Stdout);
        Assert.Contains("Canary at 50% passed", promoted.Stdout);
        Assert.True(load.Versions.GetValueOrDefault("v1") > 0 && load.Versions.GetValueOrDefault("v2") > 0, load.Summary);

        Assert.Equal("v2", await app.LiveVersionAsync());
        Assert.Contains(await LabServers.ContainersAsync(app2, app), l => l.StartsWith($"r3 running web {app2.Address}:", StringComparison.Ordinal));
        Assert.DoesNotContain(await LabServers.ContainersAsync(app1, app), l => l.Contains(" running ", StringComparison.Ordinal));
        var history = await app.HistoryAsync();
        Assert.Equal(["canary succeeded", "canary rolled-back", "deploy succeeded"], history.Deployments.Select(d => $"{d.Kind} {d.Outcome}"));
    }

    [Fact]
    public async Task Rolling_OneReplicaOnEachServer_BatchLimitCountedAcrossServers_ReleaseTaskOnceOnOneServer_ZeroFailed()
    {
        // One replica out at a time over both servers, none added: were the limit per server, both would go at once.
        const string extra = "servers: [app1, app2]\nreplicas: 1\ntarget:\n  mode: host\nrolling:\n  max_surge: 0\n  max_unavailable: 1\n  batch_time: 1s\n";
        await using var pair = await LabServers.StartPairAsync(extra, output);
        var (app, app1, app2) = (pair.App, pair.App1, pair.App2);
        await app.DeployOkAsync("v1");
        Assert.Equal(2, (await app.StatusAsync()).Active!.Targets.Count);
        await app.ApplyOkAsync(app.Yaml(extra + "release_task:\n  command: [migrate]\n  timeout: 30s"));
        var since = DateTimeOffset.UtcNow;

        await using var load = TrafficLoad.Start(app.ProxyUri, app.Host, slow: 1);
        using var sampling = new CancellationTokenSource();
        var samples = new ConcurrentQueue<int>();
        var sampler = app.SampleHealthyAsync(samples, sampling.Token);
        await Wait.UntilAsync(() => load.Requests > 20, "the load is flowing", TimeSpan.FromSeconds(20));
        // Many calls on each server over SSH (two batches, the release task, a watch each): at a load average of 60 on
        // two cores this deploy took more than the CLI's usual 90 s when each call started its own `baton host`.
        var deploy = await BatonCli.RunAsync(app.CliEnvironment, ["deploy", app.Name, "--image", SampleImages.Image("v2"), "--strategy", "rolling"], TimeSpan.FromMinutes(3));
        await sampling.CancelAsync();
        await sampler;
        await load.StopAsync();
        output.WriteLine(deploy.ToString());
        output.WriteLine($"rolling v1 to v2 over app1 and app2: {load.Summary}; healthy samples: {samples.Count}, min {samples.Min()}, max {samples.Max()}");
        Assert.True(deploy.ExitCode == 0, deploy.ToString());
        Assert.True(load.Failures.Count == 0, load.Summary);
        Assert.Contains("Rolling 2 replicas in 2 batches of up to 1", deploy.Stdout);
        Assert.Contains("Batch 2/2", deploy.Stdout);
        // Never more than max unavailable (1) of the 2 replicas out at once, counted over both servers.
        Assert.True(samples.Count > 10, $"only {samples.Count} samples");
        Assert.True(samples.Min() >= 1, $"healthy targets dropped to {samples.Min()} (bound: 2 − max unavailable 1)");

        // The new replica running on each server at its address; the old one stopped there, kept.
        foreach (var host in new[] { app1, app2 })
        {
            var containers = await LabServers.ContainersAsync(host, app);
            output.WriteLine($"{host.Name}: {string.Join(" | ", containers)}");
            Assert.Single(containers, l => l.StartsWith($"r2 running web {host.Address}:", StringComparison.Ordinal));
            Assert.Single(containers, l => l.StartsWith("r1 exited web", StringComparison.Ordinal));
        }
        for (int i = 0; i < 8; i++) Assert.Equal("v2", await app.LiveVersionAsync());

        // The release task ran once, on the colour's first server (app1), though the colour runs on app2 too.
        var tasks = await StartsAsync(ContainerLabels.Task, since, app, app1, app2);
        Assert.Equal(["app1 r2"], tasks.Select(e => $"{e.Server} {e.Release}"));
        Assert.Equal(["rolling succeeded", "deploy succeeded"], (await app.HistoryAsync()).Deployments.Select(d => $"{d.Kind} {d.Outcome}"));
    }

    [Fact]
    public async Task SeedLayout_HeldOnApp2_PromotedThenRolledBackToApp1_UnderLoad_WorkersNeverOnTwoServers_ReleaseTaskOnce()
    {
        const string extra = SeedLayout + "workers:\n  - name: jobs\n    command: [work]\nrelease_task:\n  command: [migrate]\n  timeout: 30s\n";
        await using var pair = await LabServers.StartPairAsync(extra, output);
        var (app, app1, app2) = (pair.App, pair.App1, pair.App2);
        var since = DateTimeOffset.UtcNow;
        await app.DeployOkAsync("v1");   // blue, on app1

        await using var load = TrafficLoad.Start(app.ProxyUri, app.Host, slow: 1);
        await Wait.UntilAsync(() => load.Requests > 20, "the load is flowing", TimeSpan.FromSeconds(20));

        // Held: green on app2 answers on the staging listener, not on the public one; its worker waits.
        var held = await app.DeployOkAsync("v2", "--hold");
        Assert.Contains("Held before the switch", held.Stdout);
        Assert.Equal("v2", await app.StagingVersionAsync("green"));
        Assert.Equal(404, (await app.GetAsync("/version", app.StagingHost("green"))).Status);
        Assert.Equal("v1", await app.LiveVersionAsync());
        var onApp2 = await LabServers.ContainersAsync(app2, app);
        Assert.True(onApp2.Count == 1 && onApp2[0].StartsWith($"r2 running web {app2.Address}:", StringComparison.Ordinal), string.Join(" | ", onApp2));

        var promoted = await app.CliAsync("promote", app.Name);
        Assert.True(promoted.ExitCode == 0, promoted.ToString());
        Assert.Equal("v2", await app.LiveVersionAsync());

        // Back to v1, whose containers are kept on the other server.
        var back = await app.CliAsync("rollback", app.Name);
        output.WriteLine(back.ToString());
        Assert.True(back.ExitCode == 0, back.ToString());
        Assert.Contains("from its kept containers", back.Stdout);
        Assert.Equal("v1", await app.LiveVersionAsync());
        await Task.Delay(500);
        await load.StopAsync();
        output.WriteLine($"hold on app2, promote, roll back to app1: {load.Summary}");
        Assert.True(load.Failures.Count == 0, load.Summary);
        Assert.True(load.Versions.GetValueOrDefault("v2") > 0, load.Summary);

        Assert.Contains(await LabServers.ContainersAsync(app1, app), l => l.StartsWith($"r1 running web {app1.Address}:", StringComparison.Ordinal));
        Assert.DoesNotContain(await LabServers.ContainersAsync(app2, app), l => l.Contains(" running ", StringComparison.Ordinal));
        Assert.Equal(["rollback succeeded", "deploy succeeded", "deploy succeeded"], (await app.HistoryAsync()).Deployments.Select(d => $"{d.Kind} {d.Outcome}"));

        // What the engines ran: the release task once per release, on its colour's server; the rollback
        // started v1's kept web container and worker on app1 again (the same containers).
        Assert.Equal(["app1 r1", "app2 r2"], (await StartsAsync(ContainerLabels.Task, since, app, app1, app2)).Select(e => $"{e.Server} {e.Release}"));
        var web = await StartsAsync(ContainerLabels.Web, since, app, app1, app2);
        Assert.Equal(["app1 r1", "app2 r2", "app1 r1"], web.Select(e => $"{e.Server} {e.Release}"));
        Assert.Equal(web[0].Container, web[2].Container);
        // Workers: r1 on app1, then r2 on app2 only after the promote, then r1 on app1 again; never two running at once.
        var workers = await WorkerEventsAsync(since, app, app1, app2);
        Assert.Equal(["app1 r1", "app2 r2", "app1 r1"], workers.Where(e => e.Action == "start").Select(e => $"{e.Server} {e.Release}"));
        var running = new HashSet<string>();
        foreach (var e in workers)
        {
            if (e.Action == "start") running.Add(e.Container);
            else running.Remove(e.Container);
            Assert.True(running.Count <= 1, $"workers on two servers at once at {e}:\n{string.Join("\n", workers)}");
        }
    }

    [Fact]
    public async Task SeedLayout_V2OnApp2KilledInTheWatch_SwitchedBackToTheWarmV1OnApp1_OnlyInFlightRequestsFailed()
    {
        await using var pair = await LabServers.StartPairAsync(SeedLayout, output);
        var (app, app1, app2) = (pair.App, pair.App1, pair.App2);
        // The watch is long enough that the kill lands in it, whatever the machine's load; the sample app took
        // more than the usual 20 s to turn healthy on app2 at a load average of 80 on two cores.
        await app.ApplyOkAsync(app.Yaml(SeedLayout, deployTimeout: "60s", watch: "2m"));
        await app.DeployOkAsync("v1", "--watch", "0s");   // blue, on app1
        var live = await LabServers.ContainersAsync(app1, app);
        var since = DateTimeOffset.UtcNow;

        // The load's loops, each with at most one request in flight at a time.
        var loops = new Dictionary<string, int> { ["GET /version"] = 3, ["kept-alive GET /version"] = 2, ["POST /echo"] = 1, ["GET /slow"] = 1 };
        await using var load = TrafficLoad.Start(app.ProxyUri, app.Host, fresh: 3, keptAlive: 2, echo: 1, slow: 1);
        await Wait.UntilAsync(() => load.Requests > 20, "the load is flowing", TimeSpan.FromSeconds(20));
        // Many calls on app2 over SSH: beyond the CLI's usual 90 s on a loaded machine.
        var deploying = BatonCli.RunAsync(app.CliEnvironment, ["deploy", app.Name, "--image", SampleImages.Image("v2")], TimeSpan.FromMinutes(4));
        await Wait.UntilAsync(async () =>
        {
            if (deploying.IsCompleted) throw new InvalidOperationException($"The deploy ended before the kill: {await deploying}");
            return await app.LiveVersionAsync() == "v2" && (await app.LatestAsync()).Steps.Any(s => s.Name == "watch");
        }, "v2 on app2 serves and the deploy watches it", TimeSpan.FromSeconds(150));
        // v1 stays warm on app1 during the watch.
        Assert.Equal(live, await LabServers.ContainersAsync(app1, app));
        await Wait.UntilAsync(() => load.Versions.GetValueOrDefault("v2") > 20, "v2 on app2 takes the load", TimeSpan.FromSeconds(20));

        // A crash, as app2's engine reports it: v2's container is killed there (its restart policy starts it again).
        var ids = await app2.DockerAsync("ps", "-q", "--filter", $"label={ContainerLabels.Service}={app.Name}", "--filter", $"label={ContainerLabels.Release}=r2");
        ids.ThrowIfFailed("docker ps on app2");
        var v2 = Assert.Single(ids.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        (await app2.DockerAsync("kill", v2)).ThrowIfFailed("docker kill on app2");

        var result = await deploying;
        await Task.Delay(500);
        await load.StopAsync();
        output.WriteLine(result.ToString());
        output.WriteLine($"v2 on app2 killed in the watch, back to v1 on app1: {load.Summary}");
        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.Contains("Rolled back after the switch", result.Stderr);
        // What the watch saw first, whichever came first on a loaded machine: the container's exit on app2's engine,
        // its target there refusing connections, or the router's 502s for its requests cut by the kill.
        Assert.True(result.Stderr.Contains("exited with code 137", StringComparison.Ordinal)
            || result.Stderr.Contains($"stopped accepting connections on {app2.Address}:", StringComparison.Ordinal)
            || result.Stderr.Contains("error rate above the live release's", StringComparison.Ordinal), result.Stderr);
        // At most one request per load loop fails: the one in flight on v2 when it was killed, or the first sent to it
        // after the kill and taken and closed by its engine's proxy while the engine notices the exit. A GET goes to
        // another target then; a POST cannot, and gets the router's 502. From v2's first failed attempt, every request
        // goes to the standby (v1 on app1) until v2 answers again, and to v1 after the switch back.
        Assert.True(load.Versions.GetValueOrDefault("v2") > 0, load.Summary);
        Assert.True(load.Failures.Count <= loops.Values.Sum(), $"{load.Failures.Count} failed, more than the {loops.Values.Sum()} requests that can have been in flight on v2: {load.Summary}");
        foreach (var (kind, count) in loops)
        {
            int failed = load.Failures.Count(f => f.StartsWith(kind + ":", StringComparison.Ordinal));
            Assert.True(failed <= count, $"{failed} of the {count} '{kind}' loop(s) failed: more than one request each: {load.Summary}");
        }
        // Each answered by the router (its 502 for a target that reset the connection mid-request), or, for an echo whose
        // answer v2 had started, the client's connection cut: the one way to say that an answer is incomplete.
        Assert.All(load.Failures, f => Assert.True(f.Contains(": 502 ", StringComparison.Ordinal) || f.StartsWith("POST /echo: ", StringComparison.Ordinal), f));

        // v1 serves again from its containers on app1, kept warm: the same ones, never stopped or started again.
        for (int i = 0; i < 8; i++) Assert.Equal("v1", await app.LiveVersionAsync());
        Assert.Equal(live, await LabServers.ContainersAsync(app1, app));
        Assert.Empty(await LabServers.EventsAsync(app1, app, since));
        // The failed release is gone from app2.
        Assert.Empty(await LabServers.ContainersAsync(app2, app));

        var history = await app.HistoryAsync();
        Assert.Equal(["deploy rolled-back", "deploy succeeded"], history.Deployments.Select(d => $"{d.Kind} {d.Outcome}"));
        var latest = history.Deployments[0];
        Assert.StartsWith("Rolled back after the switch:", latest.Reason);
        Assert.Contains(latest.Steps, s => s.Name == "watch" && s.Outcome == "failed");
    }

    /// <summary>The starts of the service's containers of one role on the servers, in the order they happened.</summary>
    private static async Task<List<EngineEvent>> StartsAsync(string role, DateTimeOffset since, BlueGreenApp app, params LabHost[] hosts) =>
        [.. (await EventsAsync(since, app, hosts)).Where(e => e.Role == role && e.Action == "start")];

    private async Task<List<EngineEvent>> WorkerEventsAsync(DateTimeOffset since, BlueGreenApp app, params LabHost[] hosts)
    {
        var workers = (await EventsAsync(since, app, hosts)).Where(e => e.Role == ContainerLabels.Worker).ToList();
        output.WriteLine("workers: " + string.Join(" | ", workers));
        return workers;
    }

    /// <summary>Every server's events in one timeline: the engines share this machine's clock.</summary>
    private static async Task<List<EngineEvent>> EventsAsync(DateTimeOffset since, BlueGreenApp app, LabHost[] hosts)
    {
        var each = await Task.WhenAll(hosts.Select(h => LabServers.EventsAsync(h, app, since)));
        return [.. each.SelectMany(e => e).OrderBy(e => e.TimeNano)];
    }
}
