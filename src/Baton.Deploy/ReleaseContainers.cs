using Baton.Deploy.Servers;
using Baton.Deploy.ServiceFile;
using Baton.Docker;

namespace Baton.Deploy;

/// <summary>A container Baton started for a release, and where the router reaches it (web containers only).</summary>
public sealed record ReleaseContainer(string Id, string Name, string Release, string Role, string? Color, string? Target, bool Running, DateTimeOffset Created);

/// <summary>
/// Creates, finds, stops and removes the containers of a service's releases. Everything it finds
/// it reads back from the engine by label, never from memory.
/// </summary>
/// <param name="hostPorts">Picks a host port for a web container (<see cref="Targets.HostPorts.Next"/>; tests give their own).</param>
public sealed class ReleaseContainers(IContainerEngine docker, Func<int>? hostPorts = null)
{
    /// <summary>How many ports a publish-mode container is offered when the engine finds each taken.</summary>
    internal const int PortAttempts = 5;

    private const int LogLines = 20;

    /// <summary>Every container of the service, any state, any role.</summary>
    public async Task<DockerResult<IReadOnlyList<ReleaseContainer>>> ListAsync(string service, CancellationToken ct)
    {
        var listed = await docker.Containers.ListAsync($"{ContainerLabels.Service}={service}", ct).ConfigureAwait(false);
        if (!listed.TryGetValue(out var list, out var error)) return error;
        return list.Select(c => new ReleaseContainer(
            c.Id,
            c.Name,
            c.Labels.GetValueOrDefault(ContainerLabels.Release, ""),
            c.Labels.GetValueOrDefault(ContainerLabels.Role, ""),
            c.Labels.GetValueOrDefault(ContainerLabels.Color),
            c.Labels.GetValueOrDefault(ContainerLabels.Target),
            c.State == "running",
            c.Created)).ToList();
    }

    /// <summary>Creates and starts the web containers of a release; on failure removes what it made.</summary>
    public Task<DockerResult<IReadOnlyList<ReleaseContainer>>> StartWebAsync(ServiceDefinition def, string release, string color, string image, string pinned, CancellationToken ct) =>
        StartWebAsync(def, release, color, image, pinned, 1, def.WebCount(color), ct);

    /// <summary>Creates and starts web containers <paramref name="first"/> to <paramref name="first"/> + <paramref name="count"/> − 1 of a release (a rolling batch).</summary>
    public async Task<DockerResult<IReadOnlyList<ReleaseContainer>>> StartWebAsync(ServiceDefinition def, string release, string color, string image, string pinned, int first, int count, CancellationToken ct)
    {
        if (Placement(def, color) is { Error: { } misplaced }) return misplaced;
        var servers = Placement(def, color).Servers;
        var started = new List<ReleaseContainer>();
        for (int i = first; i < first + count; i++)
        {
            var name = $"{def.Name}-{color}-{release}-{i}";
            // Across servers, replica i goes to the colour's servers in turn (each server runs Replicas of them).
            var server = servers?[(i - 1) % servers.Count];
            var address = server?.Address ?? "127.0.0.1";
            string target;
            DockerResult<string> made;
            for (int attempt = 1; ; attempt++)
            {
                var port = (hostPorts ?? Targets.HostPorts.Next)();
                target = $"{address}:{port}";
                var inside = def.Mode == TargetMode.Host ? port : def.ContainerPort ?? ServiceDefinition.DefaultContainerPort;
                var spec = OnServer(Spec(def, name, release, ContainerLabels.Web, color, image, pinned, target), server) with
                {
                    Ports = def.Mode == TargetMode.Publish ? [new PortBinding(inside, port, address)] : [],
                    RestartPolicy = Restart,
                    Healthcheck = def.Healthcheck,
                };
                // Host mode: the port Baton gave. Publish mode: the port inside the container, for apps that
                // read it (an image that ignores it keeps its own, the one published); env: may set it itself.
                if (def.Mode == TargetMode.Host || !def.Env.Any(e => e.Name == def.PortEnv))
                    spec = spec with { Env = With(spec.Env, def.PortEnv, inside.ToString(System.Globalization.CultureInfo.InvariantCulture)) };
                made = await CreateAndStartAsync(spec, ct).ConfigureAwait(false);
                // Baton picks the published port rather than the engine, so that it stays the same when the
                // engine restarts a crashed container or a rollback starts a kept one (the router's target
                // is that address). One that something took after Baton chose it fails the start loudly (the
                // engine binds it): another port, never a silent hijack. Host mode is checked by PortOwner instead.
                if (made.IsSuccess || def.Mode != TargetMode.Publish || made.Error.Kind != DockerErrorKind.PortInUse || attempt == PortAttempts) break;
            }
            if (!made.TryGetValue(out var id, out var error))
            {
                await RemoveAsync(started, ct).ConfigureAwait(false);
                return error;
            }
            started.Add(new ReleaseContainer(id, name, release, ContainerLabels.Web, color, target, true, DateTimeOffset.UtcNow));
        }
        return started;
    }

    /// <summary>Starts the release's workers (stopped or missing ones); the caller has stopped every other release's first.</summary>
    public async Task<DockerResult> StartWorkersAsync(ServiceDefinition def, string release, string color, string image, string pinned, IReadOnlyList<ReleaseContainer> existing, CancellationToken ct)
    {
        foreach (var worker in def.Workers)
        {
            for (int i = 1; i <= worker.Replicas; i++)
            {
                var name = $"{def.Name}-{worker.Name}-{release}-{i}";
                if (existing.FirstOrDefault(c => c.Name == name) is { } kept)
                {
                    var restarted = await docker.Containers.StartAsync(kept.Id, ct).ConfigureAwait(false);
                    if (!restarted.IsSuccess) return restarted;
                    continue;
                }
                var made = await CreateAndStartAsync(
                    OnServer(Spec(def, name, release, ContainerLabels.Worker, color, image, pinned, null), FirstServer(def, color)) with { Cmd = worker.Command, RestartPolicy = Restart },
                    ct).ConfigureAwait(false);
                if (!made.IsSuccess) return made.Error;
            }
        }
        return DockerResult.Ok;
    }

    /// <summary>Runs the release task to its end: null on exit 0, else why it failed with its last log lines.</summary>
    public async Task<string?> RunTaskAsync(ServiceDefinition def, string release, string color, string image, string pinned, CancellationToken ct)
    {
        var task = def.ReleaseTask!;
        var name = $"{def.Name}-task-{release}";
        var made = await CreateAndStartAsync(
            OnServer(Spec(def, name, release, ContainerLabels.Task, color, image, pinned, null), FirstServer(def, color)) with { Cmd = task.Command },
            ct).ConfigureAwait(false);
        if (!made.TryGetValue(out var id, out var error)) return $"The release task could not start: {error.Message}";
        try
        {
            var clock = System.Diagnostics.Stopwatch.StartNew();
            var waited = await docker.Containers.WaitAsync(id, task.Timeout, ct).ConfigureAwait(false);
            if (!waited.TryGetValue(out var exit, out error))
            {
                await docker.Containers.KillAsync(id, cancellationToken: CancellationToken.None).ConfigureAwait(false);
                var logs = await LogsAsync(id, name, CancellationToken.None).ConfigureAwait(false);
                // At the deadline the wait ends with "the engine did not answer", which would blame Docker for a slow task.
                return clock.Elapsed >= task.Timeout - TimeSpan.FromMilliseconds(100)
                    ? $"The release task `{string.Join(' ', task.Command)}` did not finish within {task.Timeout.TotalSeconds:0} s and was killed.{logs}"
                    : $"The release task could not be waited for: {error.Message}{logs}";
            }
            return exit == 0 ? null : $"The release task `{string.Join(' ', task.Command)}` exited with code {exit}.{await LogsAsync(id, name, CancellationToken.None).ConfigureAwait(false)}";
        }
        finally
        {
            await docker.Containers.RemoveAsync(id, force: true, CancellationToken.None).ConfigureAwait(false);
        }
    }

    /// <summary>Starts kept containers again (a rollback); running ones are left as they are.</summary>
    public async Task<DockerResult> RestartAsync(IReadOnlyList<ReleaseContainer> containers, CancellationToken ct)
    {
        foreach (var c in containers.Where(c => !c.Running))
        {
            var started = await docker.Containers.StartAsync(c.Id, ct).ConfigureAwait(false);
            if (!started.IsSuccess) return started;
        }
        return DockerResult.Ok;
    }

    public async Task StopAsync(IEnumerable<ReleaseContainer> containers, TimeSpan stopTimeout, CancellationToken ct) =>
        await Task.WhenAll(containers.Where(c => c.Running).Select(c => docker.Containers.StopAsync(c.Id, stopTimeout, ct))).ConfigureAwait(false);

    public async Task RemoveAsync(IEnumerable<ReleaseContainer> containers, CancellationToken ct) =>
        await RemoveReportingAsync(containers, ct).ConfigureAwait(false);

    /// <summary>Removes the containers; the ones that could not be removed, each with the engine's error.</summary>
    public async Task<IReadOnlyList<(ReleaseContainer Container, DockerError Error)>> RemoveReportingAsync(IEnumerable<ReleaseContainer> containers, CancellationToken ct)
    {
        var list = containers.ToList();
        var results = await Task.WhenAll(list.Select(c => docker.Containers.RemoveAsync(c.Id, force: true, ct))).ConfigureAwait(false);
        return list.Zip(results).Where(p => !p.Second.IsSuccess && p.Second.Error!.Kind != DockerErrorKind.ContainerNotFound)
            .Select(p => (p.First, p.Second.Error!)).ToList();
    }

    /// <summary>
    /// Host mode: null when each container holds the port it was given (or /proc cannot tell); else
    /// which port another process holds, so that its answers are not taken for the release's.
    /// </summary>
    public async Task<string?> PortsHeldAsync(IEnumerable<ReleaseContainer> containers, CancellationToken ct)
    {
        foreach (var c in containers)
        {
            if (c.Target is null || !int.TryParse(c.Target.AsSpan(c.Target.LastIndexOf(':') + 1), out var port)) continue;
            // This machine's /proc knows only its own ports: an app server's container (a fleet id) holds its own.
            if (c.Id.Contains('/', StringComparison.Ordinal)) continue;
            var state = await docker.Containers.InspectAsync(c.Id, ct).ConfigureAwait(false);
            int pid = state.TryGetValue(out var info, out _) && info.Running ? info.Pid : 0;
            if (Targets.PortOwner.Check(port, pid) == Targets.PortHolder.Other)
                return $"port {port} given to {c.Name} is held by another process, not by the container: the health checks reached that process (the port was taken before the container bound it)";
        }
        return null;
    }

    /// <summary>
    /// Waits until the engine's own health check (<c>healthcheck:</c>) says every container is
    /// <c>healthy</c>: null then; else why not — one turned <c>unhealthy</c> (with its check's last
    /// exit code and output), or <paramref name="within"/> passed first. An exit is the exit watch's to report.
    /// </summary>
    public async Task<string?> EngineHealthyAsync(IReadOnlyList<ReleaseContainer> containers, TimeSpan within, TimeProvider time, CancellationToken ct)
    {
        var deadline = time.GetUtcNow() + within;
        var waiting = containers.ToList();
        string last = "";
        while (true)
        {
            foreach (var c in waiting.ToList())
            {
                var state = await docker.Containers.InspectAsync(c.Id, ct).ConfigureAwait(false);
                if (!state.TryGetValue(out var info, out var error)) { last = $"{c.Name}: {error.Message}"; continue; }
                switch (info.Health)
                {
                    case "healthy":
                        waiting.Remove(c);
                        break;
                    case "unhealthy":
                        return $"{c.Name} is unhealthy by its healthcheck (last check: {info.LastHealthCheck ?? "no output"})";
                    default:
                        last = $"{c.Name} is {info.Health ?? "not checked by the engine"}{(info.LastHealthCheck is { } check ? $" (last check: {check})" : "")}";
                        break;
                }
            }
            if (waiting.Count == 0) return null;
            if (time.GetUtcNow() >= deadline)
                return $"the engine did not report it healthy within {within.TotalSeconds:0} s ({last})";
            await Task.Delay(EnginePoll, time, ct).ConfigureAwait(false);
        }
    }

    /// <summary>How often the engine is asked for the containers' health while a release waits for it.</summary>
    private static readonly TimeSpan EnginePoll = TimeSpan.FromMilliseconds(200);

    /// <summary>The last log lines of each container and how it ended, for a failed deploy's message.</summary>
    public async Task<string> DescribeAsync(IEnumerable<ReleaseContainer> containers, CancellationToken ct)
    {
        var parts = new List<string>();
        foreach (var c in containers)
        {
            var state = await docker.Containers.InspectAsync(c.Id, ct).ConfigureAwait(false);
            if (state.Error is { Kind: DockerErrorKind.EngineUnreachable } unreachable)
            {
                // An app server that cannot be reached will not give its logs either: one wait, not two.
                parts.Add($"\n{c.Name}: {unreachable.Message}");
                continue;
            }
            if (state.TryGetValue(out var info, out _) && !info.Running)
                parts.Add($"\n{c.Name} exited with code {info.ExitCode}{(info.OomKilled ? " (out of memory)" : "")}.");
            parts.Add(await LogsAsync(c.Id, c.Name, ct).ConfigureAwait(false));
        }
        return string.Concat(parts);
    }

    private async Task<string> LogsAsync(string id, string name, CancellationToken ct)
    {
        var logs = await docker.Containers.LogsAsync(id, LogLines, ct).ConfigureAwait(false);
        if (!logs.TryGetValue(out var text, out _) || string.IsNullOrWhiteSpace(text)) return $"\n{name} wrote no log lines.";
        var lines = text.TrimEnd().Split('\n').Select(l => "    " + l.TrimEnd('\r'));
        return $"\nLast log lines of {name}:\n{string.Join('\n', lines)}";
    }

    private async Task<DockerResult<string>> CreateAndStartAsync(ContainerSpec spec, CancellationToken ct)
    {
        var created = await docker.Containers.CreateAsync(spec, ct).ConfigureAwait(false);
        if (!created.TryGetValue(out var id, out var error)) return error;
        var started = await docker.Containers.StartAsync(id, ct).ConfigureAwait(false);
        if (started.IsSuccess) return id;
        await docker.Containers.RemoveAsync(id, force: true, CancellationToken.None).ConfigureAwait(false);
        return started.Error;
    }

    /// <summary>
    /// The servers a colour's web containers run on: null without <c>servers:</c> (this engine);
    /// an error when the file names servers and this engine is not a fleet holding every one of them.
    /// </summary>
    private (IReadOnlyList<AppServer>? Servers, DockerError? Error) Placement(ServiceDefinition def, string color)
    {
        if (def.Servers is not { } placement) return (null, null);
        var fleet = docker as ServerFleet;
        var servers = new List<AppServer>();
        foreach (var name in placement.For(color))
        {
            if (fleet?.Server(name) is not { } server) return (null, ServerFleet.Unknown(name));
            servers.Add(server);
        }
        return (servers, null);
    }

    /// <summary>Workers and the release task run on one server: the colour's first that is not drained.</summary>
    private AppServer? FirstServer(ServiceDefinition def, string color) =>
        Placement(def, color).Servers is { } servers ? servers.FirstOrDefault(s => !s.Drained) ?? servers[0] : null;

    private static ContainerSpec OnServer(ContainerSpec spec, AppServer? server) =>
        server is null ? spec : spec with { Labels = With(spec.Labels, ContainerLabels.Server, server.Name) };

    /// <summary>A crashed web or worker container comes back by itself; one Baton stopped (kept for rollback) stays stopped.</summary>
    private const string Restart = "unless-stopped";

    /// <summary>What every container of a release has: the pinned image, its name, environment, labels and network.</summary>
    private static ContainerSpec Spec(ServiceDefinition def, string name, string release, string role, string color, string image, string pinned, string? target) => new()
    {
        Image = pinned,
        Name = name,
        Env = Environment(def, release, color),
        Labels = Labels(def, release, role, color, image, target),
        Network = def.Mode == TargetMode.Host ? ContainerSpec.HostNetwork : def.Network,   // null: the engine's default bridge
        StopTimeout = def.StopTimeout,
        Init = true,
        Settings = def.Container.Settings,
        Entrypoint = def.Container.Entrypoint,
        Cmd = def.Container.Command,
        WorkingDir = def.Container.WorkingDir,
    };

    private static Dictionary<string, string> Environment(ServiceDefinition def, string release, string color)
    {
        var env = def.Env.ToDictionary(e => e.Name, e => e.Value, StringComparer.Ordinal);
        env["BATON_SERVICE"] = def.Name;
        env["BATON_RELEASE"] = release;
        env["BATON_COLOR"] = color;
        return env;
    }

    private static Dictionary<string, string> With(IReadOnlyDictionary<string, string> env, string key, string value) =>
        new(env, StringComparer.Ordinal) { [key] = value };

    private static Dictionary<string, string> Labels(ServiceDefinition def, string release, string role, string color, string image, string? target)
    {
        var labels = new Dictionary<string, string>(def.Labels, StringComparer.Ordinal)
        {
            [ContainerLabels.Service] = def.Name,
            [ContainerLabels.Release] = release,
            [ContainerLabels.Role] = role,
            [ContainerLabels.Color] = color,
            [ContainerLabels.Image] = image,
        };
        if (target is not null) labels[ContainerLabels.Target] = target;
        return labels;
    }
}
