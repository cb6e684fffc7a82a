namespace Baton.Docker;

/// <summary>A host port published to a container port; binds 127.0.0.1 unless told otherwise, so nothing is exposed by accident.</summary>
public sealed record PortBinding(int ContainerPort, int HostPort, string HostIp = "127.0.0.1", string Protocol = "tcp")
{
    internal string ContainerKey => $"{ContainerPort}/{Protocol}";
}

/// <summary>What to create: the subset of the engine's container config that Baton uses.</summary>
public sealed record ContainerSpec
{
    /// <summary>Network mode that shares the host's network stack: the app binds host ports directly.</summary>
    public const string HostNetwork = "host";

    public required string Image { get; init; }

    /// <summary>Null lets the engine pick a name.</summary>
    public string? Name { get; init; }

    public IReadOnlyDictionary<string, string> Env { get; init; } = new Dictionary<string, string>();

    public IReadOnlyDictionary<string, string> Labels { get; init; } = new Dictionary<string, string>();

    /// <summary>Null keeps the image's command.</summary>
    public IReadOnlyList<string>? Cmd { get; init; }

    /// <summary>Null keeps the image's entrypoint.</summary>
    public IReadOnlyList<string>? Entrypoint { get; init; }

    public string? WorkingDir { get; init; }

    /// <summary><see cref="HostNetwork"/>, the name of a user-defined network, or null for the engine's default bridge.</summary>
    public string? Network { get; init; }

    /// <summary>Ignored by the engine in host-network mode, where the app binds host ports itself.</summary>
    public IReadOnlyList<PortBinding> Ports { get; init; } = [];

    /// <summary>How long a stop waits after SIGTERM before SIGKILL; null keeps the engine's 10 s.</summary>
    public TimeSpan? StopTimeout { get; init; }

    /// <summary>
    /// Runs a tiny init as PID 1 that forwards signals and reaps zombies; without it an app that does not handle
    /// SIGTERM itself (PID 1 gets no default handlers) only dies at SIGKILL, after the whole stop timeout.
    /// </summary>
    public bool Init { get; init; }

    /// <summary>
    /// The engine's restart policy: <c>no</c> (null), <c>on-failure</c>, <c>always</c> or <c>unless-stopped</c>.
    /// <c>unless-stopped</c> brings a crashed container back but leaves one that was stopped on purpose stopped.
    /// </summary>
    public string? RestartPolicy { get; init; }

    /// <summary>Volumes, limits, logs, user, hosts and stop signal: what a service file says of how its containers run.</summary>
    public ContainerSettings Settings { get; init; } = new();

    /// <summary>The engine's own health check of the container; null keeps the image's (<c>HEALTHCHECK</c>).</summary>
    public EngineHealthcheck? Healthcheck { get; init; }

    internal CreateContainerRequest ToWire() => new()
    {
        Image = Image,
        Env = Env.Count == 0 ? null : [.. Env.Select(e => $"{e.Key}={e.Value}")],
        Labels = Labels.Count == 0 ? null : new Dictionary<string, string>(Labels),
        Cmd = Cmd is null ? null : [.. Cmd],
        Entrypoint = Entrypoint is null ? null : [.. Entrypoint],
        WorkingDir = WorkingDir,
        User = Settings.User,
        StopSignal = Settings.StopSignal,
        StopTimeout = StopTimeout is { } t ? (int)Math.Ceiling(t.TotalSeconds) : null,
        ExposedPorts = Ports.Count == 0 ? null : Ports.Select(p => p.ContainerKey).Distinct().ToDictionary(k => k, _ => new EmptyObject()),
        Healthcheck = Healthcheck is not { } h ? null : new WireHealthConfig
        {
            Test = [.. h.Test],
            Interval = Nanoseconds(h.Interval),
            Timeout = Nanoseconds(h.Timeout),
            Retries = h.Retries,
            StartPeriod = Nanoseconds(h.StartPeriod),
        },
        HostConfig = new CreateHostConfig
        {
            NetworkMode = Network,
            Init = Init ? true : null,
            RestartPolicy = RestartPolicy is null ? null : new WireRestartPolicy { Name = RestartPolicy },
            Binds = Settings.Volumes.Count == 0 ? null : [.. Settings.Volumes],
            Memory = Settings.MemoryBytes,
            NanoCpus = Settings.NanoCpus,
            LogConfig = Settings.LogDriver is null ? null : new WireLogConfig { Type = Settings.LogDriver, Config = Settings.LogOptions.Count == 0 ? null : new Dictionary<string, string>(Settings.LogOptions) },
            ExtraHosts = Settings.ExtraHosts.Count == 0 ? null : [.. Settings.ExtraHosts],
            PortBindings = Ports.Count == 0 ? null : Ports.GroupBy(p => p.ContainerKey).ToDictionary(
                g => g.Key,
                g => g.Select(p => new WirePortBinding { HostIp = p.HostIp, HostPort = p.HostPort.ToString(System.Globalization.CultureInfo.InvariantCulture) }).ToList()),
        },
    };

    private static long? Nanoseconds(TimeSpan? t) => t is { } v ? v.Ticks * 100 : null;
}

/// <summary>
/// A health check the engine runs inside the container, as compose's <c>healthcheck:</c> and the
/// Dockerfile's <c>HEALTHCHECK</c>: the container's health status is <c>healthy</c> once it passes.
/// </summary>
/// <param name="Test"><c>["CMD", exe, args…]</c> or <c>["CMD-SHELL", "command line"]</c>.</param>
/// <param name="Interval">Between checks; null: the engine's 30 s.</param>
/// <param name="Timeout">For one check; null: the engine's 30 s.</param>
/// <param name="Retries">Consecutive failures that make it unhealthy; null: the engine's 3.</param>
/// <param name="StartPeriod">Failures in this time after the start do not count; null: none.</param>
public sealed record EngineHealthcheck(IReadOnlyList<string> Test, TimeSpan? Interval = null, TimeSpan? Timeout = null, int? Retries = null, TimeSpan? StartPeriod = null);

/// <summary>
/// How a container runs beyond its image and command, as <c>docker run</c> takes it: volumes, memory
/// and CPU limits, log driver, user, extra hosts and stop signal. Empty: as the image says.
/// </summary>
public sealed record ContainerSettings
{
    /// <summary><c>NAME:/path[:ro]</c> or <c>/host:/path[:ro]</c>, as <c>docker run -v</c>.</summary>
    public IReadOnlyList<string> Volumes { get; init; } = [];

    /// <summary>Memory limit in bytes; null: none.</summary>
    public long? MemoryBytes { get; init; }

    /// <summary>CPU limit in billionths of a CPU; null: none.</summary>
    public long? NanoCpus { get; init; }

    /// <summary>Log driver and its options; null: the engine's default.</summary>
    public string? LogDriver { get; init; }
    public IReadOnlyDictionary<string, string> LogOptions { get; init; } = new Dictionary<string, string>();

    /// <summary><c>USER[:GROUP]</c>; null: the image's.</summary>
    public string? User { get; init; }

    /// <summary><c>HOST:IP</c> entries for /etc/hosts.</summary>
    public IReadOnlyList<string> ExtraHosts { get; init; } = [];

    /// <summary>The signal a stop sends first; null: the image's (else SIGTERM).</summary>
    public string? StopSignal { get; init; }
}
