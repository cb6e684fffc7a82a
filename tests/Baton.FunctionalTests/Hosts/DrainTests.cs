using Baton.FunctionalTests.Deploy;
using Baton.FunctionalTests.Infrastructure;
using Baton.Hosts.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Baton.FunctionalTests.Hosts;

/// <summary>
/// `baton host drain` and `baton host resume` through real sshd, real engines and the real router,
/// under non-retrying load: a server taken out of every pool, its engine stopped and started again
/// (a reboot), and brought back, with no failed request.
/// </summary>
public sealed class DrainTests(ITestOutputHelper output)
{
    [Fact]
    public async Task EveryColourOnEachServer_DrainApp1_RebootItsEngine_Resume_UnderLoad_ZeroFailed()
    {
        await using var lab = await TestLab.CreateAsync();
        await using var app = await BlueGreenApp.StartAsync();
        var (app1, app2) = (await LabServers.AddAsync(lab, app, "app1", output), await LabServers.AddAsync(lab, app, "app2", output));
        await app.ApplyOkAsync(app.Yaml("servers: [app1, app2]\nreplicas: 1\ntarget:\n  mode: host\nworkers:\n  - name: jobs\n    command: [work]"));
        await app.DeployOkAsync("v1");
        // The workers run on the colour's first server: app1.
        Assert.Contains(await LabServers.ContainersAsync(app1, app), l => l.StartsWith("r1 running worker", StringComparison.Ordinal));

        await using var load = TrafficLoad.Start(app.ProxyUri, app.Host, slow: 1);
        await Task.Delay(500);
        var drained = await app.CliAsync("host", "drain", "app1");
        output.WriteLine(drained.ToString());
        Assert.True(drained.ExitCode == 0, drained.ToString());
        Assert.Contains("app1 is drained", drained.Stdout);

        // Out of the pool and stopped (kept); the workers moved to app2, stopped on app1 first; app2 serves alone.
        var onApp1 = await LabServers.ContainersAsync(app1, app);
        var onApp2 = await LabServers.ContainersAsync(app2, app);
        output.WriteLine($"after drain: app1 {string.Join(" | ", onApp1)}; app2 {string.Join(" | ", onApp2)}");
        Assert.DoesNotContain(onApp1, l => l.Contains(" running ", StringComparison.Ordinal));
        Assert.Contains(onApp1, l => l.StartsWith("r1 exited web", StringComparison.Ordinal));
        Assert.Contains(onApp2, l => l.StartsWith("r1 running worker", StringComparison.Ordinal));
        var status = await app.ApiAsync(HttpMethod.Get, "api/status");
        Assert.DoesNotContain($"{app1.Address}:", status.Body);
        Assert.Contains($"{app2.Address}:", status.Body);
        var listed = await app.CliAsync("host", "list");
        Assert.Matches(@"(?m)^app1\s.*\) +drained ", listed.Stdout);
        Assert.Matches(@"(?m)^app2\s.*\) +in service ", listed.Stdout);

        // No new container goes to a drained server: the deploy is refused before anything starts.
        var refused = await app.DeployAsync("v2");
        output.WriteLine(refused.ToString());
        Assert.Equal(6, refused.ExitCode);
        Assert.Contains("app1 is drained (baton host resume app1 brings it back)", refused.Stderr);
        Assert.Equal("v1", await app.LiveVersionAsync());

        // The reboot: the engine stops (its containers with it) and starts again.
        await app1.StopDockerAsync();
        await app1.StartDockerAsync();
        var resumed = await app.CliAsync("host", "resume", "app1");
        output.WriteLine(resumed.ToString());
        Assert.True(resumed.ExitCode == 0, resumed.ToString());
        Assert.Contains("back in the live pool", resumed.Stdout);
        await Task.Delay(1000);
        await load.StopAsync();
        output.WriteLine($"drain, reboot, resume under load: {load.Summary}");
        Assert.True(load.Failures.Count == 0, load.Summary + "\n" + string.Join("\n", load.Failures.Take(10)));

        status = await app.ApiAsync(HttpMethod.Get, "api/status");
        Assert.Contains($"{app1.Address}:", status.Body);
        Assert.Contains($"{app2.Address}:", status.Body);
        Assert.Contains(await LabServers.ContainersAsync(app1, app), l => l.StartsWith("r1 running web", StringComparison.Ordinal));
        // Never two workers at once: the one on app2 keeps running, the one on app1 is gone.
        Assert.DoesNotContain(await LabServers.ContainersAsync(app1, app), l => l.Contains(" worker", StringComparison.Ordinal));
        listed = await app.CliAsync("host", "list");
        Assert.Matches(@"(?m)^app1\s.*\) +in service ", listed.Stdout);

        // Back in service: the next deploy uses both servers again.
        await app.DeployOkAsync("v2");
        Assert.Equal("v2", await app.LiveVersionAsync());
        var audit = await app.CliAsync("audit");
        Assert.Contains("host.drain", audit.Stdout);
        Assert.Contains("host.resume", audit.Stdout);
    }

    [Fact]
    public async Task SeedLayout_DrainLiveServer_ReleaseMovesToTheOtherColour_ResumeNeedsNoSwitchBack_ZeroFailed()
    {
        await using var lab = await TestLab.CreateAsync();
        await using var app = await BlueGreenApp.StartAsync();
        var (app1, app2) = (await LabServers.AddAsync(lab, app, "app1", output), await LabServers.AddAsync(lab, app, "app2", output));
        await app.ApplyOkAsync(app.Yaml("servers:\n  blue: [app1]\n  green: [app2]\ntarget:\n  mode: host\nworkers:\n  - name: jobs\n    command: [work]"));
        await app.DeployOkAsync("v1");   // blue, on app1

        await using var load = TrafficLoad.Start(app.ProxyUri, app.Host, slow: 1);
        await Task.Delay(500);
        var drained = await app.CliAsync("host", "drain", "app1");
        output.WriteLine(drained.ToString());
        Assert.True(drained.ExitCode == 0, drained.ToString());
        Assert.Contains("live on green (app2) as r2, the same image as r1", drained.Stdout);
        Assert.Equal("v1", await app.LiveVersionAsync());

        // app1 holds only the idle colour, stopped; the worker moved with the release.
        var onApp1 = await LabServers.ContainersAsync(app1, app);
        var onApp2 = await LabServers.ContainersAsync(app2, app);
        output.WriteLine($"after drain: app1 {string.Join(" | ", onApp1)}; app2 {string.Join(" | ", onApp2)}");
        Assert.DoesNotContain(onApp1, l => l.Contains(" running ", StringComparison.Ordinal));
        Assert.Contains(onApp2, l => l.StartsWith("r2 running web", StringComparison.Ordinal));
        Assert.Contains(onApp2, l => l.StartsWith("r2 running worker", StringComparison.Ordinal));

        // The next deploy would go to blue, on app1: refused, the live release untouched.
        var refused = await app.DeployAsync("v2");
        Assert.Equal(6, refused.ExitCode);
        Assert.Contains("app1 is drained (baton host resume app1 brings it back)", refused.Stderr);

        await app1.StopDockerAsync();
        await app1.StartDockerAsync();
        var resumed = await app.CliAsync("host", "resume", "app1");
        output.WriteLine(resumed.ToString());
        Assert.True(resumed.ExitCode == 0, resumed.ToString());
        Assert.Contains("no switch back", resumed.Stdout);

        // With app1 back, the next release goes to blue on app1.
        await app.DeployOkAsync("v2");
        await Task.Delay(500);
        await load.StopAsync();
        output.WriteLine($"drain (move to green), reboot, resume, deploy v2 under load: {load.Summary}");
        Assert.True(load.Failures.Count == 0, load.Summary + "\n" + string.Join("\n", load.Failures.Take(10)));
        Assert.Equal("v2", await app.LiveVersionAsync());
        Assert.Contains(await LabServers.ContainersAsync(app1, app), l => l.StartsWith("r3 running web", StringComparison.Ordinal));
        var history = await app.HistoryAsync();
        Assert.Contains(history.Deployments, d => d.Kind == "move" && d.Outcome == "succeeded");
    }

    [Fact]
    public async Task Drain_WouldEmptyAPool_OrADeployIsHeld_RefusedOneSentence_NothingChanged()
    {
        await using var lab = await TestLab.CreateAsync();
        await using var app = await BlueGreenApp.StartAsync();
        var app1 = await LabServers.AddAsync(lab, app, "app1", output);
        await app.ApplyOkAsync(app.Yaml("servers: [app1]\ntarget:\n  mode: host"));
        await app.DeployOkAsync("v1");

        // Both colours run only on app1: nowhere to drain its traffic to.
        var empty = await app.CliAsync("host", "drain", "app1");
        output.WriteLine(empty.ToString());
        Assert.Equal(6, empty.ExitCode);
        BatonCli.AssertOneSentence(empty);
        Assert.Contains($"Draining app1 would leave {app.Name}'s pool empty", empty.Stderr);
        Assert.Contains("nothing was drained", empty.Stderr);

        // A held deployment keeps its service's lock: drain waits for promote or abort.
        await app.DeployOkAsync("v2", "--hold");
        var held = await app.CliAsync("host", "drain", "app1");
        Assert.Equal(6, held.ExitCode);
        Assert.Contains("is running or held; let it finish (or abort it) before draining app1", held.Stderr);

        // Nothing changed: not drained, v1 serving from app1, resume says so.
        Assert.DoesNotContain(" drained ", (await app.CliAsync("host", "list")).Stdout);
        Assert.Equal("v1", await app.LiveVersionAsync());
        Assert.Contains(await LabServers.ContainersAsync(app1, app), l => l.StartsWith("r1 running web", StringComparison.Ordinal));
        var resume = await app.CliAsync("host", "resume", "app1");
        Assert.Equal(6, resume.ExitCode);
        Assert.Contains("app1 is not drained", resume.Stderr);
    }
}
