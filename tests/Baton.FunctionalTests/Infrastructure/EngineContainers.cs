using Baton.Deploy;
using Baton.Docker;

namespace Baton.FunctionalTests.Infrastructure;

/// <summary>
/// What the Docker engine really runs, read by label straight from the engine (not through
/// Baton), and the clean-up of a test's containers.
/// </summary>
public static class EngineContainers
{
    private static readonly Lazy<Task<DockerEngine>> Engine = new(async () =>
    {
        var connected = await DockerEngine.ConnectAsync();
        if (!connected.TryGetValue(out var engine, out var error)) throw new InvalidOperationException($"No Docker engine: {error.Message}");
        return engine;
    });

    /// <summary>Every container of the service, any state.</summary>
    public static async Task<IReadOnlyList<ContainerSummary>> ListAsync(string service, CancellationToken ct = default)
    {
        var engine = await Engine.Value;
        var listed = await engine.Containers.ListAsync($"{ContainerLabels.Service}={service}", ct);
        if (!listed.TryGetValue(out var list, out var error)) throw new InvalidOperationException(error.Message);
        return list;
    }

    public static string Describe(IEnumerable<ContainerSummary> containers) =>
        string.Join("; ", containers.Select(c => $"{c.Name} {c.State} release={c.Labels.GetValueOrDefault(ContainerLabels.Release)} role={c.Labels.GetValueOrDefault(ContainerLabels.Role)}"));

    /// <summary>Removes the containers labelled with the service (and only those): each test's own.</summary>
    public static async Task RemoveAsync(string service)
    {
        var engine = await Engine.Value;
        foreach (var c in await ListAsync(service))
            await engine.Containers.RemoveAsync(c.Id, force: true);
    }

    public static string? Label(this ContainerSummary c, string label) => c.Labels.GetValueOrDefault(label);

    public static bool Running(this ContainerSummary c) => c.State == "running";
}
