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
    PoolStatus? Candidate,
    double? CanaryPercent = null);

/// <param name="Name">The pool's name when it has one, such as its colour (<c>blue</c>).</param>
/// <param name="Window">The pool's traffic over the last minute, as the router counted it.</param>
public sealed record PoolStatus(IReadOnlyList<TargetStatus> Targets, string? Name = null, WindowStatus? Window = null);

/// <summary>A pool's traffic over the last <paramref name="Seconds"/> seconds.</summary>
/// <param name="Errors">5xx answers and failed connections.</param>
/// <param name="ErrorRate">Errors / Requests (0 to 1); 0 with no requests.</param>
/// <param name="P95Ms">95th percentile latency in milliseconds, from the latency histogram; null with no requests.</param>
public sealed record WindowStatus(int Seconds, long Requests, long Errors, double ErrorRate, double? P95Ms);

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
