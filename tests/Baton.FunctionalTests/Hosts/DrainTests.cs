using Baton.FunctionalTests.Deploy;
using Baton.FunctionalTests.Infrastructure;
using Baton.Hosts.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Baton.FunctionalTests.Hosts;

/// <summary>
/// `baton host drain` and `baton host resume` in the seed layout, through real sshd, real engines and the real router,
/// under non-retrying load: the live server drained, its release moves to the other colour, and resume needs no switch back.
/// (The reboot and the refusals are DrainRebootTests and DrainRefusalTests, so that the three run side by side.)
/// </summary>
public sealed class DrainTests(ITestOutputHelper output)
{
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
}
