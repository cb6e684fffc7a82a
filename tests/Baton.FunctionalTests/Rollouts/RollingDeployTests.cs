using System.Collections.Concurrent;
using Baton.Deploy;
using Baton.FunctionalTests.Deploy;
using Baton.FunctionalTests.Infrastructure;
using Xunit.Abstractions;

namespace Baton.FunctionalTests.Rollouts;

/// <summary>Rolling deploys of four replicas on the real engine under a non-retrying load.</summary>
public sealed class RollingDeployTests(ITestOutputHelper output)
{
    private const string FourReplicas = """
        replicas: 4
        rolling:
          max_surge: 1
          max_unavailable: 0
          batch_time: 1s
        """;

    [Fact]
    public async Task Rolling_FourReplicas_ZeroFailures_HealthyNeverBelowBound()
    {
        await using var app = await BlueGreenApp.StartAsync(FourReplicas);
        await app.DeployOkAsync("v1");
        Assert.Equal(4, (await app.StatusAsync()).Active!.Targets.Count);

        await using var load = TrafficLoad.Start(app.ProxyUri, app.Host, slow: 1);
        using var sampling = new CancellationTokenSource();
        var samples = new ConcurrentQueue<int>();
        var sampler = app.SampleHealthyAsync(samples, sampling.Token);
        await Wait.UntilAsync(() => load.Requests > 20, "the load is flowing", TimeSpan.FromSeconds(20));

        var deploy = await app.DeployOkAsync("v2", "--strategy", "rolling");
        await sampling.CancelAsync();
        await sampler;
        await load.StopAsync();
        output.WriteLine(deploy.Stdout);
        output.WriteLine($"{load.Summary}; healthy samples: {samples.Count}, min {samples.Min()}, max {samples.Max()}");

        Assert.True(load.Failures.Count == 0, load.Summary);
        Assert.True(samples.Count > 10, $"only {samples.Count} samples");
        Assert.True(samples.Min() >= 4, $"healthy targets dropped to {samples.Min()} (bound: 4 − max unavailable 0)");
        Assert.Contains("Batch 4/4", deploy.Stdout);

        var status = await app.StatusAsync();
        Assert.Equal(4, status.Active!.Targets.Count);
        for (int i = 0; i < 8; i++) Assert.Equal("v2", await app.LiveVersionAsync());
        var latest = await app.LatestAsync();
        Assert.Equal("rolling", latest.Kind);
        Assert.Equal("succeeded", latest.Outcome);
        Assert.Equal(["batch 1/4", "batch 2/4", "batch 3/4", "batch 4/4"], latest.Steps.Select(s => s.Name).Where(n => n.StartsWith("batch", StringComparison.Ordinal)));
        var running = (await app.ContainersAsync()).Where(c => c.Running()).ToList();
        Assert.True(running.Count == 4 && running.All(c => c.Label(ContainerLabels.Image) == SampleImages.Image("v2")), EngineContainers.Describe(running));
    }

    [Fact]
    public async Task Rolling_BatchNeverHealthy_ReplacedBatchesRolledBack_ServiceUntouched()
    {
        await using var app = await BlueGreenApp.StartAsync(FourReplicas);
        await app.DeployOkAsync("v1");
        // A batch gets 20 s to become healthy (the suite's usual deploy timeout: a loaded machine may not start the app sooner).
        await app.ApplyOkAsync(app.Yaml(FourReplicas, deployTimeout: "20s"));
        var before = (await app.StatusAsync()).Active!.Targets.Select(t => t.Address).Order().ToList();

        await using var load = TrafficLoad.Start(app.ProxyUri, app.Host, slow: 0);
        await Wait.UntilAsync(() => load.Requests > 20, "the load is flowing", TimeSpan.FromSeconds(20));
        var deploy = app.DeployInBackground("v2", "--strategy", "rolling");

        // The third new replica hangs as soon as it runs: its batch never gets healthy.
        string? paused = null;
        await Wait.UntilAsync(async () =>
        {
            if (deploy.IsCompleted) return true;
            var third = (await app.ContainersAsync()).FirstOrDefault(c => c.Label(ContainerLabels.Image) == SampleImages.Image("v2") && c.Name.EndsWith("-3", StringComparison.Ordinal) && c.Running());
            if (third is null) return false;
            var r = await SampleImages.RunAsync("docker", ["pause", third.Id], TimeSpan.FromSeconds(20));
            paused = third.Id;
            return r.ExitCode == 0;
        }, "the third new replica runs", TimeSpan.FromSeconds(90));
        if (paused is null) Assert.Fail($"the deploy ended before its third replica ran: {await deploy}");

        var finished = await Wait.ForAsync(deploy, "the deploy ends", TimeSpan.FromSeconds(90));
        await load.StopAsync();
        output.WriteLine(finished.ToString());
        output.WriteLine(load.Summary);
        Assert.Equal(1, finished.ExitCode);
        Assert.Contains("Batch 3/4 failed", finished.Stdout + finished.Stderr);

        var latest = await app.LatestAsync();
        Assert.Equal("rolled-back", latest.Outcome);
        Assert.Contains("2 replaced replica(s) were restored", latest.Reason);
        Assert.True(load.Failures.Count == 0, load.Summary);

        // In the end the service is as before: the same four v1 targets, and no v2 container left.
        var after = (await app.StatusAsync()).Active!.Targets.Select(t => t.Address).Order().ToList();
        Assert.Equal(before, after);
        for (int i = 0; i < 8; i++) Assert.Equal("v1", await app.LiveVersionAsync());
        var containers = await app.ContainersAsync();
        Assert.DoesNotContain(containers, c => c.Label(ContainerLabels.Image) == SampleImages.Image("v2"));
        Assert.Equal(4, containers.Count(c => c.Running()));
    }
}
