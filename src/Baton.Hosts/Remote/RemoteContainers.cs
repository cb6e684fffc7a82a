using Baton.Docker;
using Baton.Hosts.Protocol;

namespace Baton.Hosts.Remote;

/// <summary>Container calls on an app server, each one request to its <c>baton host</c>.</summary>
internal sealed class RemoteContainers(RemoteEngine engine) : IContainers
{
    public Task<DockerResult<string>> CreateAsync(ContainerSpec spec, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return engine.CallAsync(new HostRequest { Op = HostOps.ContainerCreate, Spec = SpecWire.From(spec) },
            $"create container {spec.Name ?? "from " + spec.Image}", HostJson.Default.HostAnswerString, null, cancellationToken);
    }

    public Task<DockerResult> StartAsync(string container, CancellationToken cancellationToken = default) =>
        engine.CallAsync(new HostRequest { Op = HostOps.ContainerStart, Container = container }, $"start container {container}", null, cancellationToken);

    /// <summary>The agent answers once the container is down, so the call gets the stop timeout (else a minute) on top of its own.</summary>
    public Task<DockerResult> StopAsync(string container, TimeSpan? timeout = null, CancellationToken cancellationToken = default) =>
        engine.CallAsync(new HostRequest { Op = HostOps.ContainerStop, Container = container, Timeout = timeout },
            $"stop container {container}", engine.Options.RequestTimeout + (timeout ?? TimeSpan.FromSeconds(60)), cancellationToken);

    public Task<DockerResult> KillAsync(string container, string signal = "SIGKILL", CancellationToken cancellationToken = default) =>
        engine.CallAsync(new HostRequest { Op = HostOps.ContainerKill, Container = container, Signal = signal },
            $"send {signal} to container {container}", null, cancellationToken);

    public Task<DockerResult> RemoveAsync(string container, bool force = false, CancellationToken cancellationToken = default) =>
        engine.CallAsync(new HostRequest { Op = HostOps.ContainerRemove, Container = container, Force = force ? true : null },
            $"remove container {container}", null, cancellationToken);

    public Task<DockerResult<ContainerInfo>> InspectAsync(string container, CancellationToken cancellationToken = default) =>
        engine.CallAsync(new HostRequest { Op = HostOps.ContainerInspect, Container = container },
            $"inspect container {container}", HostJson.Default.HostAnswerContainerInfo, null, cancellationToken);

    public async Task<DockerResult<IReadOnlyList<ContainerSummary>>> ListAsync(IReadOnlyList<string> labels, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(labels);
        var listed = await engine.CallAsync(new HostRequest { Op = HostOps.ContainerList, Labels = labels.Count == 0 ? null : [.. labels] },
            $"list containers labelled {string.Join(", ", labels)}", HostJson.Default.HostAnswerListContainerSummary, null, cancellationToken).ConfigureAwait(false);
        return listed.TryGetValue(out var list, out var error) ? list : error;
    }

    public Task<DockerResult<string>> LogsAsync(string container, int lines = 100, CancellationToken cancellationToken = default) =>
        engine.CallAsync(new HostRequest { Op = HostOps.ContainerLogs, Container = container, Lines = lines },
            $"read the logs of container {container}", HostJson.Default.HostAnswerString, null, cancellationToken);

    /// <summary>Needs an agent of this version or later: an older one refuses the arguments it does not know, in one sentence.</summary>
    public Task<DockerResult<string>> TimestampedLogsAsync(string container, int lines, DateTimeOffset? since, CancellationToken cancellationToken = default) =>
        engine.CallAsync(new HostRequest { Op = HostOps.ContainerLogs, Container = container, Lines = lines, Since = since, Timestamps = true },
            $"read the logs of container {container}", HostJson.Default.HostAnswerString, null, cancellationToken);

    /// <summary>No deadline unless given one, as the local engine's; the agent's heartbeat keeps a long wait's channel alive.</summary>
    public Task<DockerResult<long>> WaitAsync(string container, TimeSpan? timeout = null, CancellationToken cancellationToken = default) =>
        engine.CallAsync(new HostRequest { Op = HostOps.ContainerWait, Container = container, Timeout = timeout },
            $"wait for container {container} to exit", HostJson.Default.HostAnswerInt64,
            timeout is { } t ? t + engine.Options.RequestTimeout : Timeout.InfiniteTimeSpan, cancellationToken);
}
