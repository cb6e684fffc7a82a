using Baton.FunctionalTests.Deploy;
using Baton.FunctionalTests.Infrastructure;
using Baton.Hosts.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Baton.FunctionalTests.Hosts;

/// <summary><c>baton host drain</c> refused when it would empty a pool or a deploy is held: one sentence, nothing changed.</summary>
public sealed class DrainRefusalTests(ITestOutputHelper output)
{
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
