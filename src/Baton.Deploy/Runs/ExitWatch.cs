using Baton.Docker;

namespace Baton.Deploy.Runs;

/// <summary>
/// Watches a release's containers on the engine's event stream for an exit, a restart or an
/// out-of-memory kill, so a deploy learns of a crash when it happens, not at a timeout.
/// </summary>
internal static class ExitWatch
{
    /// <summary>
    /// Completes with one sentence on the first exit, restart or OOM kill of one of
    /// <paramref name="containers"/> from now on (or one that already happened since they were
    /// created), or with null when <paramref name="stop"/> is cancelled or the engine's stream
    /// cannot be had (the router's health checks and numbers still judge the release then).
    /// </summary>
    /// <param name="since">Events from this time on count (the engine replays them first): set it before the containers started.</param>
    public static async Task<string?> StartAsync(IContainerEngine docker, string service, IReadOnlyList<ReleaseContainer> containers, DateTimeOffset since, CancellationToken stop)
    {
        if (containers.Count == 0) return null;
        var ids = containers.Select(c => c.Id).ToHashSet(StringComparer.Ordinal);
        var names = containers.ToDictionary(c => c.Id, c => c.Name, StringComparer.Ordinal);
        try
        {
            var opened = await docker.Events.SubscribeAsync([$"{ContainerLabels.Service}={service}", $"{ContainerLabels.Release}={containers[0].Release}"], since.AddSeconds(-1), stop).ConfigureAwait(false);
            if (!opened.TryGetValue(out var subscription, out _)) return null;
            await using (((IAsyncDisposable)subscription).ConfigureAwait(false))
            {
                // What happened before the stream opened: a container already down or restarted.
                foreach (var c in containers)
                {
                    var state = await docker.Containers.InspectAsync(c.Id, stop).ConfigureAwait(false);
                    if (state.TryGetValue(out var info, out _) && Describe(info) is { } already) return $"{c.Name} {already}";
                }
                await foreach (var e in subscription.WithCancellation(stop).ConfigureAwait(false))
                {
                    if (!ids.Contains(e.ActorId) || e.Time < since) continue;
                    var name = names[e.ActorId];
                    switch (e.Action)
                    {
                        case "oom":
                            return $"{name} was killed for lack of memory (out of memory)";
                        case "die":
                            return $"{name} exited with code {e.Attributes.GetValueOrDefault("exitCode", "?")}";
                        case "restart":
                            return $"{name} was restarted";
                    }
                }
                return null;
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            return null;
        }
    }

    /// <summary>Stops a watch and returns what it saw (null: nothing). The engine's stream is read to the event before the stop.</summary>
    public static async Task<string?> StopAsync(Task<string?> watch, CancellationTokenSource stop)
    {
        if (!watch.IsCompleted) await stop.CancelAsync().ConfigureAwait(false);
        return await watch.ConfigureAwait(false);
    }

    private static string? Describe(ContainerInfo info) =>
        info.OomKilled ? "was killed for lack of memory (out of memory)"
        : info.Restarting ? $"exited with code {info.ExitCode} and is being restarted"
        : !info.Running ? $"exited with code {info.ExitCode}"
        : null;
}
