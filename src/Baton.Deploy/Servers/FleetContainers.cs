using Baton.Docker;

namespace Baton.Deploy.Servers;

/// <summary>Container calls across a fleet: each goes to the server its id or label names.</summary>
internal sealed class FleetContainers(ServerFleet fleet) : IContainers
{
    public async Task<DockerResult<string>> CreateAsync(ContainerSpec spec, CancellationToken cancellationToken = default)
    {
        // No server label: the local engine's container (a fleet id without a server).
        var name = spec.Labels.GetValueOrDefault(ContainerLabels.Server, "");
        IContainerEngine engine;
        if (name.Length == 0)
        {
            if (fleet.Local is not { } local)
                return new DockerError(DockerErrorKind.EngineUnreachable, $"Container {spec.Name} names no server, and this controller runs no Docker engine of its own.");
            engine = local;
        }
        else if (fleet.Server(name) is { } server) engine = server.Engine;
        else return ServerFleet.Unknown(name);
        var made = await engine.Containers.CreateAsync(spec, cancellationToken).ConfigureAwait(false);
        return made.TryGetValue(out var id, out var error) ? ServerFleet.Id(name, id) : error;
    }

    public Task<DockerResult> StartAsync(string container, CancellationToken cancellationToken = default) =>
        OnAsync(container, (c, id) => c.StartAsync(id, cancellationToken));

    public Task<DockerResult> StopAsync(string container, TimeSpan? timeout = null, CancellationToken cancellationToken = default) =>
        OnAsync(container, (c, id) => c.StopAsync(id, timeout, cancellationToken));

    public Task<DockerResult> KillAsync(string container, string signal = "SIGKILL", CancellationToken cancellationToken = default) =>
        OnAsync(container, (c, id) => c.KillAsync(id, signal, cancellationToken));

    public Task<DockerResult> RemoveAsync(string container, bool force = false, CancellationToken cancellationToken = default) =>
        OnAsync(container, (c, id) => c.RemoveAsync(id, force, cancellationToken));

    public async Task<DockerResult<ContainerInfo>> InspectAsync(string container, CancellationToken cancellationToken = default)
    {
        if (!fleet.Locate(container).TryGetValue(out var at, out var error)) return error;
        var found = await at.Engine.Containers.InspectAsync(at.Id, cancellationToken).ConfigureAwait(false);
        return found.TryGetValue(out var info, out error) ? info with { Id = ServerFleet.Id(at.Name, info.Id) } : error;
    }

    public async Task<DockerResult<IReadOnlyList<ContainerSummary>>> ListAsync(IReadOnlyList<string> labels, CancellationToken cancellationToken = default)
    {
        var each = await fleet.EachAsync(e => e.Containers.ListAsync(labels, cancellationToken)).ConfigureAwait(false);
        if (!each.TryGetValue(out var lists, out var error)) return error;
        return lists.SelectMany(l => l.Value.Select(c => c with { Id = ServerFleet.Id(l.Name, c.Id) })).ToList();
    }

    public async Task<DockerResult<string>> LogsAsync(string container, int lines = 100, CancellationToken cancellationToken = default)
    {
        if (!fleet.Locate(container).TryGetValue(out var at, out var error)) return error;
        return await at.Engine.Containers.LogsAsync(at.Id, lines, cancellationToken).ConfigureAwait(false);
    }

    public async Task<DockerResult<string>> TimestampedLogsAsync(string container, int lines, DateTimeOffset? since, CancellationToken cancellationToken = default)
    {
        if (!fleet.Locate(container).TryGetValue(out var at, out var error)) return error;
        return await at.Engine.Containers.TimestampedLogsAsync(at.Id, lines, since, cancellationToken).ConfigureAwait(false);
    }

    public async Task<DockerResult<long>> WaitAsync(string container, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        if (!fleet.Locate(container).TryGetValue(out var at, out var error)) return error;
        return await at.Engine.Containers.WaitAsync(at.Id, timeout, cancellationToken).ConfigureAwait(false);
    }

    private async Task<DockerResult> OnAsync(string container, Func<IContainers, string, Task<DockerResult>> call)
    {
        if (!fleet.Locate(container).TryGetValue(out var at, out var error)) return error;
        return await call(at.Engine.Containers, at.Id).ConfigureAwait(false);
    }
}
