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
    /// <summary>Null until the first deploy has switched: such a service is not routed yet.</summary>
    public TargetPool? Active { get; init; }
    public TargetPool? Candidate { get; init; }
    /// <summary>Health settings the candidate's targets are probed with until it becomes active.</summary>
    public HealthCheckOptions? CandidateHealth { get; init; }
    public PauseGate? Pause { get; init; }
    /// <summary>Non-null when in maintenance: the message shown on the 503 page.</summary>
    public string? Maintenance { get; init; }

    public bool IsRouted => Active is not null;

    public IEnumerable<Target> AllTargets =>
        (Active?.Targets ?? []).Concat(Candidate?.Targets ?? []).Distinct();

    public string DescribeRoutes() =>
        (Hosts.Count == 0 ? "*" : string.Join(",", Hosts)) + (Path == "/" ? "" : Path);
}
