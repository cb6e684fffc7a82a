using Baton.FunctionalTests.Deploy;
using Baton.FunctionalTests.Infrastructure;
using Baton.Hosts.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Baton.FunctionalTests.Hosts;

/// <summary><c>baton host drain</c>, an engine reboot and <c>baton host resume</c> through real sshd, real engines and the real router, under non-retrying load.</summary>
public sealed class DrainRebootTests(ITestOutputHelper output)
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
}
