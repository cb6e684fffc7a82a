using Baton.Deploy;
using Baton.FunctionalTests.Infrastructure;

namespace Baton.FunctionalTests.Deploy;

/// <summary>Deploys that must fail, say why, and leave the live release exactly as it was.</summary>
public sealed class FailedDeployTests
{
    [Fact]
    public async Task Deploy_ReleaseNeverHealthy_Exit1WithHealthAnswersContainerRemovedLiveUntouched()
    {
        await using var app = await BlueGreenApp.StartAsync();
        await app.DeployOkAsync("v1");
        var before = await app.ContainersAsync();
        await app.ApplyOkAsync(app.Yaml("env:\n  UNHEALTHY: \"1\"", deployTimeout: "10s"));

        await using var load = TrafficLoad.Start(app.ProxyUri, app.Host, fresh: 2, keptAlive: 1, echo: 1, slow: 0);
        var result = await app.DeployAsync("v2");
        await load.StopAsync();

        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.Contains("never became healthy", result.Stderr);
        Assert.Contains("503", result.Stderr); // the health answers
        Assert.Contains("log", result.Stderr); // the container's last log lines (or that it wrote none)
        Assert.Contains("the live release was not touched", result.Stderr);
        Assert.True(load.Failures.Count == 0, load.Summary);
        Assert.Equal(["v1"], load.Versions.Keys);

        Assert.Equal("v1", await app.LiveVersionAsync());
        var after = await app.ContainersAsync();
        Assert.True(after.Select(c => c.Id).SequenceEqual(before.Select(c => c.Id)), $"before: {EngineContainers.Describe(before)}\nafter: {EngineContainers.Describe(after)}");
        Assert.All(after, c => Assert.True(c.Running(), c.State));
        var failed = await app.LatestAsync();
        Assert.Equal("failed", failed.Outcome);
        Assert.Contains("never became healthy", failed.Reason);
    }

    [Fact]
    public async Task Deploy_ReleaseTaskFails_Exit1WithTaskLogLiveUntouchedNothingLeft()
    {
        await using var app = await BlueGreenApp.StartAsync("release_task:\n  command: [migrate]\n  timeout: 30s");
        var first = await app.DeployOkAsync("v1");
        Assert.Contains("Release task succeeded", first.Stdout);
        var before = await app.ContainersAsync();
        await app.ApplyOkAsync(app.Yaml("release_task:\n  command: [migrate]\n  timeout: 30s\nenv:\n  MIGRATE_FAIL: \"1\""));

        var result = await app.DeployAsync("v2");

        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.Contains("`migrate` exited with code 1", result.Stderr);
        Assert.Contains("migration to v2 failed: table orders is locked", result.Stderr); // the task's own log
        Assert.Equal("v1", await app.LiveVersionAsync());
        var after = await app.ContainersAsync();
        Assert.True(after.Select(c => c.Id).SequenceEqual(before.Select(c => c.Id)), $"before: {EngineContainers.Describe(before)}\nafter: {EngineContainers.Describe(after)}");
        Assert.Equal("failed", (await app.LatestAsync()).Outcome);
    }

    [Fact]
    public async Task Deploy_ReleaseTaskTimesOut_Exit1WithItsLogTaskKilledLiveUntouched()
    {
        await using var app = await BlueGreenApp.StartAsync();
        await app.DeployOkAsync("v1");
        var before = await app.ContainersAsync();
        await app.ApplyOkAsync(app.Yaml("release_task:\n  command: [work]\n  timeout: 3s"));

        var result = await app.DeployAsync("v2");

        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.Contains("The release task `work` did not finish within 3 s and was killed", result.Stderr);
        Assert.DoesNotContain("did not answer", result.Stderr);
        Assert.Contains("worker v2 tick 0", result.Stderr);
        Assert.Equal("v1", await app.LiveVersionAsync());
        Assert.Equal(before.Select(c => c.Id), (await app.ContainersAsync()).Select(c => c.Id));
    }

    [Fact]
    public async Task Deploy_UnknownImage_NonZeroExitClearErrorNothingChanged()
    {
        await using var app = await BlueGreenApp.StartAsync();
        await app.DeployOkAsync("v1");
        var before = await app.ContainersAsync();

        var untagged = await app.CliAsync("deploy", app.Name, "--image", SampleImages.Repository);
        Assert.True(untagged.ExitCode == 2, untagged.ToString());
        Assert.Contains("has no tag", untagged.Stderr);

        var result = await app.DeployAsync("does-not-exist");

        Assert.True(result.ExitCode != 0, result.ToString());
        Assert.Contains(SampleImages.Image("does-not-exist"), result.Stderr);
        Assert.DoesNotContain("Exception", result.Stderr + result.Stdout);
        Assert.DoesNotContain("   at ", result.Stderr + result.Stdout);
        Assert.Equal("v1", await app.LiveVersionAsync());
        var after = await app.ContainersAsync();
        Assert.True(after.Select(c => c.Id).SequenceEqual(before.Select(c => c.Id)), $"before: {EngineContainers.Describe(before)}\nafter: {EngineContainers.Describe(after)}");
        var shown = await app.CliAsync("status", app.Name);
        Assert.Equal(0, shown.ExitCode);
        Assert.DoesNotContain("candidate", shown.Stdout);
    }

    [Fact]
    public async Task Deploy_SmokeCheckFails_Exit1NamesCheckLiveUntouched()
    {
        await using var app = await BlueGreenApp.StartAsync("smoke:\n  - { path: /health, status: 200 }");
        var first = await app.DeployOkAsync("v1");
        Assert.Contains("Smoke checks passed", first.Stdout);
        var before = await app.ContainersAsync();
        await app.ApplyOkAsync(app.Yaml("smoke:\n  - { path: /health, status: 200 }\n  - { path: /version, status: 200, contains: v1 }"));

        var result = await app.DeployAsync("v2");

        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.Contains("Smoke check GET /version", result.Stderr);
        Assert.Contains("without \"v1\"", result.Stderr);
        Assert.Equal("v1", await app.LiveVersionAsync());
        Assert.Equal(before.Select(c => c.Id), (await app.ContainersAsync()).Select(c => c.Id));
    }

    [Fact]
    public async Task Deploy_FirstReleaseFails_NothingLeftAndNextDeployWorks()
    {
        await using var app = await BlueGreenApp.StartAsync();
        await app.ApplyOkAsync(app.Yaml("env:\n  UNHEALTHY: \"1\"", deployTimeout: "5s"));
        var failed = await app.DeployAsync("v1");
        Assert.True(failed.ExitCode == 1, failed.ToString());
        Assert.Empty(await app.ContainersAsync());
        Assert.NotEqual(200, (await app.GetAsync()).Status);

        await app.ApplyOkAsync(app.Yaml());
        await app.DeployOkAsync("v2");
        Assert.Equal("v2", await app.LiveVersionAsync());
    }

    [Fact]
    public async Task Apply_BrokenServiceFile_Exit2NamesLineAndFieldNothingApplied()
    {
        await using var app = await BlueGreenApp.StartAsync();
        var applied = await app.ApiAsync(HttpMethod.Get, $"api/services/{app.Name}/definition");

        // Line 6 of the file: the health interval.
        var broken = app.Yaml().Replace("interval: 200ms", "interval: fast", StringComparison.Ordinal).Replace("hosts: [", "hostz: [", StringComparison.Ordinal);
        var result = await app.ApplyAsync(broken);
        Assert.True(result.ExitCode == 2, result.ToString());
        int line = Array.FindIndex(broken.Split('\n'), l => l.Contains("interval: fast", StringComparison.Ordinal)) + 1;
        Assert.Contains($"baton.yml line {line}: health.interval: 'fast' is not a duration", result.Stderr);
        Assert.Contains("baton.yml line 3: hostz: unknown field; did you mean hosts?", result.Stderr);
        Assert.Contains("nothing was applied", result.Stderr);
        Assert.Equal(applied, await app.ApiAsync(HttpMethod.Get, $"api/services/{app.Name}/definition"));

        // A new service whose file is broken is not created at all.
        var other = BlueGreenApp.NewName();
        var bad = await app.ApplyAsync($"service: {other}\nimage: {SampleImages.Repository}:v1\n");
        Assert.True(bad.ExitCode == 2, bad.ToString());
        Assert.Contains("baton.yml line 2: image:", bad.Stderr);
        Assert.Equal(404, (await app.ApiAsync(HttpMethod.Get, $"api/services/{other}/definition")).Status);
        var deploy = await app.CliAsync("deploy", other, "--image", SampleImages.Image("v1"));
        Assert.True(deploy.ExitCode == 5, deploy.ToString());
        Assert.Empty(await EngineContainers.ListAsync(other));
    }

    /// <summary>
    /// An image that listens on a fixed port (its EXPOSE) and ignores the port variable, deployed in
    /// host mode: the deploy says why it never became healthy and what to change.
    /// </summary>
    [Fact]
    public async Task Deploy_FixedPortImageInHostMode_Exit1SaysToListenOnThePortVariableOrUseTheDefaultMode()
    {
        // busybox's httpd on a fixed port (EXPOSE): it knows nothing of the port Baton passes. In host
        // mode it listens on the host itself, so the port is one that is free here.
        int fixedPort = ServerProcess.FreePort();
        await using var images = await FixedPortImages.BuildAsync(["v1"], port: fixedPort);
        await using var app = await BlueGreenApp.StartAsync();
        await app.ApplyOkAsync(app.Yaml("target:\n  mode: host", deployTimeout: "3s"));

        var result = await app.DeployAsync(images.Tag("v1"));

        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.Contains("never became healthy", result.Stderr);
        Assert.Contains($"The image declares port {fixedPort} (EXPOSE) but host mode gives the app its port in $PORT", result.Stderr);
        Assert.Contains($"or use the default target mode (remove target.mode: host; the app keeps its port {fixedPort})", result.Stderr);
        Assert.Empty(await app.ContainersAsync());
    }
}
