using Baton.Router.Health;
using Baton.Router.Targets;

namespace Baton.Router.Routing;

/// <summary>
/// A service as one route-table snapshot sees it. Immutable: every change makes a new entry
/// with <c>with { … }</c> and a new snapshot.
/// </summary>
public sealed record ServiceEntry
{
    public required string Name { get; init; }
    /// <summary>Empty means any host.</summary>
    public IReadOnlyList<HostPattern> Hosts { get; init; } = [];
    public string Path { get; init; } = "/";
    public HealthCheckOptions Health { get; init; } = new();
    /// <value>The default is 30 s.</value>
    public TimeSpan DrainTimeout { get; init; } = TimeSpan.FromSeconds(30);
    /// <summary>How long a target may take to start answering before the client gets 504; null: the router's default (60 s).</summary>
    public TimeSpan? TargetTimeout { get; init; }
    /// <summary>Null until the first deploy has switched: such a service is not routed yet.</summary>
    public TargetPool? Active { get; init; }
    public TargetPool? Candidate { get; init; }
    /// <summary>
    /// The rollout that staged <see cref="Candidate"/>: its health settings probe the candidate's
    /// targets, and its routes and settings take effect at the switch.
    /// </summary>
    public Rollout.DeployPlan? PendingPlan { get; init; }
    public PauseGate? Pause { get; init; }
    /// <summary>
    /// How each named pool gets its own host: <c>{color}</c> and <c>{host}</c> are replaced by the
    /// pool's name and each exact host (<c>{color}.{host}</c> makes <c>green.app.example.com</c>). Null: no staging hosts.
    /// Staging hosts answer only on the staging listener; see <see cref="Routing.StagingHosts"/>.
    /// </summary>
    public string? Staging { get; init; }

    /// <summary>Automatic certificates, redirect to HTTPS and HSTS; <see cref="ServiceTls.Off"/> by default.</summary>
    public ServiceTls Tls { get; init; } = ServiceTls.Off;

    /// <summary>
    /// The share of clients, in percent (0–100, to 0.01), that the candidate pool serves while both
    /// pools exist; see <see cref="Forwarding.CanarySplit"/>. 0 (the default): the candidate gets no
    /// traffic except through its staging host.
    /// </summary>
    public double CanaryPercent { get; init; }

    /// <summary>True when requests without a pool of their own are split between active and candidate.</summary>
    public bool IsCanary => CanaryPercent > 0 && Candidate is not null && Active is not null;

    /// <summary>Non-null when in maintenance: the message shown on the 503 page.</summary>
    public string? Maintenance { get; init; }

    public bool IsRouted => Active is not null;

    public IEnumerable<Target> AllTargets =>
        (Active?.Targets ?? []).Concat(Candidate?.Targets ?? []).Distinct();

    /// <summary>The staging host of pool <paramref name="pool"/> for each exact host.</summary>
    public IEnumerable<string> StagingHosts(string pool) => Routing.StagingHosts.Of(Staging, Hosts, pool);

    /// <summary>The pool a staging route names: the active one first, then the candidate.</summary>
    public TargetPool? PoolNamed(string name) =>
        Active?.Name == name ? Active : Candidate?.Name == name ? Candidate : null;

    public string DescribeRoutes() =>
        (Hosts.Count == 0 ? "*" : string.Join(",", Hosts)) + (Path == "/" ? "" : Path);
}
