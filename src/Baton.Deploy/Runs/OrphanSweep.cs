using Baton.Deploy.Servers;
using Baton.Deploy.Store;
using Baton.Docker;
using Microsoft.Extensions.Logging;

namespace Baton.Deploy.Runs;

/// <summary>
/// Removes containers no release owns: those of a deployment that failed, was aborted or rolled
/// back while their server could not be reached (the removal failed, or the engine made a
/// container whose answer never came back), and release tasks left behind the same way. A
/// container is kept when its release went live once (<see cref="DeployStore.Succeeded"/>: live,
/// kept for rollback, or pruned later by its own rules) or belongs to a deployment still running or
/// held. Each engine is asked on its own: one that cannot be reached now is swept at the next
/// sweep, and never stops the others'.
/// </summary>
internal sealed partial class OrphanSweep(StepRunner steps)
{
    /// <summary>Sweeps the services named (all applied services when null).</summary>
    /// <returns>One line per container removed ("bg-1-green-r3-1 on app2 (deployment #5, failed)").</returns>
    public async Task<IReadOnlyList<string>> RunAsync(IEnumerable<string>? services, CancellationToken ct)
    {
        var store = steps.Store;
        var removed = new List<string>();
        var members = steps.Docker is ServerFleet fleet ? fleet.Members : [("", steps.Docker)];
        foreach (var service in (services ?? store.ServiceNames()).ToList())
        {
            var running = store.Unfinished().Where(d => d.Service == service).Select(d => d.Release).ToHashSet(StringComparer.Ordinal);
            var wentLive = store.Succeeded(service, 10_000).Select(d => d.Release).ToHashSet(StringComparer.Ordinal);
            var outcomes = store.History(service, 500).GroupBy(d => d.Release).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
            foreach (var (name, engine) in members)
            {
                var listed = await engine.Containers.ListAsync([$"{ContainerLabels.Service}={service}"], ct).ConfigureAwait(false);
                if (!listed.TryGetValue(out var containers, out var error))
                {
                    LogSkipped(steps.Logger, service, name.Length == 0 ? "this machine's engine" : name, error.Message);
                    continue;
                }
                foreach (var c in containers)
                {
                    var release = c.Labels.GetValueOrDefault(ContainerLabels.Release, "");
                    var role = c.Labels.GetValueOrDefault(ContainerLabels.Role, "");
                    if (running.Contains(release)) continue;
                    // A release task is removed when it ends; one still there was left by a lost server or a stopped Baton.
                    if (role != ContainerLabels.Task && wentLive.Contains(release)) continue;
                    var gone = await engine.Containers.RemoveAsync(c.Id, force: true, ct).ConfigureAwait(false);
                    if (!gone.IsSuccess) continue;
                    var why = outcomes.GetValueOrDefault(release) is { } d ? $"deployment #{d.Id}, {d.Outcome}" : "no deployment of it is recorded";
                    var line = $"{c.Name} on {(name.Length == 0 ? "this machine's engine" : name)} ({why})";
                    removed.Add(line);
                    LogRemoved(steps.Logger, service, line);
                }
            }
        }
        return removed;
    }

    [LoggerMessage(EventId = LogEvents.OrphanRemoved, Level = LogLevel.Information, Message = "Removed a container of {Service} that no release owns: {What}")]
    private static partial void LogRemoved(ILogger logger, string service, string what);

    [LoggerMessage(EventId = LogEvents.OrphanSweepSkipped, Level = LogLevel.Debug, Message = "Could not sweep {Service} on {Server}: {Reason}")]
    private static partial void LogSkipped(ILogger logger, string service, string server, string reason);
}
