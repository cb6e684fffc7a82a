namespace Baton.Deploy.ServiceFile;

/// <summary>A service as <c>baton.yml</c> describes it, validated. Defaults are those of docs/service-file.md.</summary>
public sealed record ServiceDefinition
{
    public required string Name { get; init; }
    /// <summary>Image repository without tag, e.g. <c>127.0.0.1:5000/shop</c>; the tag is chosen at deploy.</summary>
    public required string Image { get; init; }
    public IReadOnlyList<string> Hosts { get; init; } = [];
    public string Path { get; init; } = "/";
    /// <summary>How staging hosts are made from each host; <c>{color}</c> and <c>{host}</c> are replaced.</summary>
    /// <value>The default is <c>{color}.{host}</c>.</value>
    public string Staging { get; init; } = "{color}.{host}";
    /// <value>The default is <see cref="TargetMode.Publish"/>: any image works unchanged.</value>
    public TargetMode Mode { get; init; } = TargetMode.Publish;
    /// <summary>
    /// The environment variable that carries the port the app should listen on: in host mode the
    /// host port Baton gives it, in publish mode its port inside the container (unless <c>env:</c> sets it).
    /// </summary>
    /// <value>The default is <c>PORT</c>.</value>
    public string PortEnv { get; init; } = "PORT";
    /// <summary>
    /// Publish mode: the port the app listens on inside the container; null takes the one TCP port
    /// the image declares (<c>EXPOSE</c>), else <see cref="DefaultContainerPort"/>.
    /// </summary>
    public int? ContainerPort { get; init; }
    /// <summary>Publish mode: the user-defined Docker network the containers join; null: the engine's default bridge.</summary>
    public string? Network { get; init; }

    /// <summary>The container port of a publish-mode image that declares none and whose file names none.</summary>
    public const int DefaultContainerPort = 8080;
    public IReadOnlyList<EnvVar> Env { get; init; } = [];
    public HealthSpec Health { get; init; } = new();
    /// <summary>
    /// The engine's own health check in each web container (<c>healthcheck:</c>): a new release must
    /// be <c>healthy</c> by it before the router takes it; null: none (the router's HTTP probe gates).
    /// </summary>
    public Baton.Docker.EngineHealthcheck? Healthcheck { get; init; }
    /// <value>The default is 60 s.</value>
    public TimeSpan DeployTimeout { get; init; } = TimeSpan.FromSeconds(60);
    /// <value>The default is 30 s.</value>
    public TimeSpan DrainTimeout { get; init; } = TimeSpan.FromSeconds(30);
    /// <summary>How long a target may take to start answering before the client gets 504; null: the router's 60 s.</summary>
    public TimeSpan? TargetTimeout { get; init; }

    /// <summary>
    /// <c>tls: auto</c> (certificates for the exact hosts from the server's ACME directory), with
    /// <c>https_redirect</c> and <c>hsts</c>.
    /// </summary>
    /// <value>The default is off: the service answers on whatever the server's listeners serve.</value>
    public Baton.Router.Routing.ServiceTls Tls { get; init; } = Baton.Router.Routing.ServiceTls.Off;

    /// <summary>
    /// How long the new release is watched after the switch with the old one kept warm, to switch
    /// straight back on an exit, failing health checks or worse numbers; zero turns the watch off.
    /// </summary>
    /// <value>The default is 30 s.</value>
    public TimeSpan Watch { get; init; } = TimeSpan.FromSeconds(30);
    /// <value>The default is 10 s.</value>
    public TimeSpan StopTimeout { get; init; } = TimeSpan.FromSeconds(10);
    /// <value>The default is 1.</value>
    public int Replicas { get; init; } = 1;
    /// <summary>Stopped releases kept for an instant rollback.</summary>
    /// <value>The default is 2.</value>
    public int Keep { get; init; } = 2;
    public IReadOnlyDictionary<string, string> Labels { get; init; } = new Dictionary<string, string>();
    public ReleaseTask? ReleaseTask { get; init; }
    public IReadOnlyList<SmokeCheck> Smoke { get; init; } = [];
    public IReadOnlyList<WorkerSpec> Workers { get; init; } = [];
    public CanarySpec Canary { get; init; } = new();
    public RollingSpec Rolling { get; init; } = new();
    /// <summary>How every container of the service runs: volumes, limits, logs, user and the rest (<c>volumes:</c>, <c>resources:</c> …).</summary>
    public ContainerOptions Container { get; init; } = new();

    /// <summary>The app servers that run the containers, per colour; null: the controller's own engine.</summary>
    public ServerPlacement? Servers { get; init; }

    /// <summary>How many web containers a release of this colour runs: <see cref="Replicas"/> on each of its servers.</summary>
    public int WebCount(string color) => Replicas * (Servers?.For(color).Count ?? 1);
}

/// <summary>
/// The container settings of baton.yml, given to every container of the service (web, workers,
/// release task) of every release alike: both colours mount the same volumes.
/// </summary>
public sealed record ContainerOptions
{
    /// <summary>Volumes, limits, logs, user, extra hosts, stop signal.</summary>
    public Baton.Docker.ContainerSettings Settings { get; init; } = new();
    /// <summary>Replaces the image's entrypoint; null keeps it.</summary>
    public IReadOnlyList<string>? Entrypoint { get; init; }
    /// <summary>The web containers' arguments to the entrypoint (workers and the release task have their own); null keeps the image's.</summary>
    public IReadOnlyList<string>? Command { get; init; }
    /// <summary>The processes' working directory; null: the image's.</summary>
    public string? WorkingDir { get; init; }
}

/// <summary>
/// How a canary moves, and when the router's numbers make a release worse than the live one (used
/// by rolling deploys too). A candidate is judged once it has <see cref="MinRequests"/> requests.
/// </summary>
public sealed record CanarySpec
{
    /// <summary>The candidate's share of clients at each step, in percent, rising, ending at 100 (the promote).</summary>
    public IReadOnlyList<int> Steps { get; init; } = [5, 25, 50, 100];
    /// <value>The default is 60 s.</value>
    public TimeSpan StepTime { get; init; } = TimeSpan.FromSeconds(60);
    /// <value>The default is 50.</value>
    public int MinRequests { get; init; } = 50;
    /// <summary>How much higher than the live pool's the candidate's error rate may be (0.02 = two points).</summary>
    /// <value>The default is 0.02.</value>
    public double MaxErrorRate { get; init; } = 0.02;
    /// <summary>The candidate's p95 latency is worse only when it exceeds the live one by this much …</summary>
    /// <value>The default is 100 ms.</value>
    public TimeSpan MaxP95Increase { get; init; } = TimeSpan.FromMilliseconds(100);
    /// <summary>… and by this factor.</summary>
    /// <value>The default is 1.5.</value>
    public double MaxP95Ratio { get; init; } = 1.5;
}

/// <summary>How a rolling deploy replaces the replicas: batches of new containers, each health-gated and watched.</summary>
public sealed record RollingSpec
{
    /// <summary>New containers that may run above <c>replicas</c> during the deploy.</summary>
    /// <value>The default is 1.</value>
    public int MaxSurge { get; init; } = 1;
    /// <summary>Replicas that may be out of the pool at once.</summary>
    /// <value>The default is 0.</value>
    public int MaxUnavailable { get; init; }
    /// <summary>How long each batch serves beside the old replicas, judged as a canary, before the next.</summary>
    /// <value>The default is 10 s.</value>
    public TimeSpan BatchTime { get; init; } = TimeSpan.FromSeconds(10);
}

public enum TargetMode
{
    /// <summary>
    /// The container has its own network (the engine's default bridge, or <c>target.network</c>) and
    /// listens on its fixed port; the engine publishes that port on 127.0.0.1 for the router.
    /// </summary>
    Publish,
    /// <summary>The container shares the host network and listens on a free 127.0.0.1 port Baton gives it.</summary>
    Host,
}

/// <summary>One environment variable; a secret's value is never shown by the CLI, the API or the logs.</summary>
public sealed record EnvVar(string Name, string Value, bool Secret)
{
    public const string Mask = "••••••";

    public string Shown => Secret ? Mask : Value;
}

public sealed record HealthSpec
{
    public string Path { get; init; } = "/health";
    public TimeSpan Interval { get; init; } = TimeSpan.FromSeconds(1);
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(5);
    public int Passes { get; init; } = 2;
    public string? Host { get; init; }
}

/// <summary>
/// A one-off container of the new release run before the switch (migrations). Non-zero exit fails the deploy.
/// <paramref name="Command"/> is given to the image's entrypoint, as in <c>docker run IMAGE ARGS…</c>.
/// </summary>
public sealed record ReleaseTask(IReadOnlyList<string> Command, TimeSpan Timeout);

/// <summary>An HTTP request against the new colour's staging route that must pass before the switch.</summary>
public sealed record SmokeCheck(string Path, int Status, string? Contains);

/// <summary>Containers of the release that run on the live colour only (background jobs); <paramref name="Command"/> as for a release task.</summary>
public sealed record WorkerSpec(string Name, IReadOnlyList<string> Command, int Replicas);
