using System.Collections.Concurrent;
using Baton.Contracts;
using Baton.FunctionalTests.Deploy;
using Baton.FunctionalTests.Infrastructure;

namespace Baton.FunctionalTests.Rollouts;

/// <summary>Helpers for canary and rolling tests on top of <see cref="BlueGreenApp"/>.</summary>
internal static class RolloutApp
{
    /// <summary>The service's status as <c>GET /api/services/{name}</c> gives it.</summary>
    public static async Task<ServiceStatus> StatusAsync(this BlueGreenApp app)
    {
        var (status, body) = await app.ApiAsync(HttpMethod.Get, $"api/services/{app.Name}");
        Assert.True(status == 200, $"status answered {status}: {body}");
        return System.Text.Json.JsonSerializer.Deserialize(body, BatonJson.Default.ServiceStatus)!;
    }

    /// <summary>Starts a CLI deploy in the background (it streams until the deployment ends).</summary>
    public static Task<CliResult> DeployInBackground(this BlueGreenApp app, string tag, params string[] more) => Task.Run(() => app.DeployAsync(tag, more));

    /// <summary>Waits until a canary or rolling deployment reports the given step.</summary>
    public static async Task<RolloutStatus> WaitForStepAsync(this BlueGreenApp app, int step, TimeSpan? timeout = null)
    {
        RolloutStatus? seen = null;
        await Wait.UntilAsync(async () =>
        {
            seen = (await app.StatusAsync()).Rollout;
            return seen is { } r && r.Step >= step;
        }, $"the deployment of {app.Name} reaches step {step}", timeout ?? TimeSpan.FromSeconds(60));
        return seen!;
    }

    /// <summary>Counts the live pool's healthy, not draining targets every 50 ms, as the status API reports them.</summary>
    public static async Task SampleHealthyAsync(this BlueGreenApp app, ConcurrentQueue<int> samples, CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            var status = await app.StatusAsync();
            samples.Enqueue(status.Active?.Targets.Count(t => t.Health == "healthy" && !t.Draining) ?? 0);
            try
            {
                await Task.Delay(50, ct);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }
}
