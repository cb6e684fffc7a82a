namespace Baton.Contracts;

public sealed record StatusResponse(IReadOnlyList<ServiceStatus> Services);

public sealed record ServiceStatus(
    string Name,
    IReadOnlyList<string> Hosts,
    string Path,
    bool Paused,
    DateTimeOffset? PausedSince,
    string? PauseMax,
    bool Maintenance,
    string? MaintenanceMessage,
    string HealthPath,
    string DrainTimeout,
    PoolStatus? Active,
    PoolStatus? Candidate);

/// <param name="Name">The pool's name when it has one, such as its colour (<c>blue</c>).</param>
public sealed record PoolStatus(IReadOnlyList<TargetStatus> Targets, string? Name = null);

public sealed record TargetStatus(
    string Address,
    int Weight,
    string Health,
    bool Draining,
    long InFlight,
    long Requests,
    RequestCounts ByClass,
    long ConnectFailures,
    string? LastProbe);

public sealed record RequestCounts(long S1xx, long S2xx, long S3xx, long S4xx, long S5xx);
