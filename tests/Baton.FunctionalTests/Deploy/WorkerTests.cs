using System.Collections.Concurrent;
using Baton.Deploy;
using Baton.FunctionalTests.Infrastructure;

namespace Baton.FunctionalTests.Deploy;

/// <summary>Workers run on the live release only: never two releases' workers at once.</summary>
public sealed class WorkerTests
{
    [Fact]
    public async Task Deploy_WithWorker_WorkersOfTwoReleasesNeverRunAtOnceNewOneRunsAfter()
    {
        await using var app = await BlueGreenApp.StartAsync("workers:\n  - name: jobs\n    command: [work]");
        await app.DeployOkAsync("v1");
        await AssertWorkerOfLiveReleaseAsync(app);

        // Sample what the engine runs every ~100 ms through the deploys and a rollback.
        var violations = new ConcurrentQueue<string>();
        int samples = 0;
        using var stop = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                var workers = (await EngineContainers.ListAsync(app.Name)).Where(c => c.Label(ContainerLabels.Role) == ContainerLabels.Worker && c.Running()).ToList();
                var releases = workers.Select(BlueGreenApp.Release).Distinct().ToList();
                if (releases.Count > 1) violations.Enqueue($"{DateTime.UtcNow:HH:mm:ss.fff}: {EngineContainers.Describe(workers)}");
                Interlocked.Increment(ref samples);
                await Task.Delay(100);
            }
        });

        await app.DeployOkAsync("v2");
        await AssertWorkerOfLiveReleaseAsync(app);
        await app.DeployOkAsync("v3");
        await AssertWorkerOfLiveReleaseAsync(app);
        var back = await app.CliAsync("rollback", app.Name);
        Assert.True(back.ExitCode == 0, back.ToString());
        await AssertWorkerOfLiveReleaseAsync(app);

        await stop.CancelAsync();
        await sampler;
        Assert.True(samples > 10, $"only {samples} samples");
        Assert.True(violations.IsEmpty, "workers of two releases ran at once:\n" + string.Join("\n", violations));
    }

    /// <summary>Exactly one worker runs, and it belongs to the release live traffic reaches.</summary>
    private static async Task AssertWorkerOfLiveReleaseAsync(BlueGreenApp app)
    {
        var all = await app.ContainersAsync();
        var web = all.Single(c => c.Label(ContainerLabels.Role) == ContainerLabels.Web && c.Running());
        var worker = all.Where(c => c.Label(ContainerLabels.Role) == ContainerLabels.Worker && c.Running()).ToList();
        Assert.True(worker.Count == 1, EngineContainers.Describe(all));
        Assert.Equal(BlueGreenApp.Release(web), BlueGreenApp.Release(worker[0]));
        Assert.Equal(web.Label(ContainerLabels.Image), worker[0].Label(ContainerLabels.Image));
        Assert.Equal(web.Label(ContainerLabels.Image)![(web.Label(ContainerLabels.Image)!.LastIndexOf(':') + 1)..], await app.LiveVersionAsync());
    }
}
