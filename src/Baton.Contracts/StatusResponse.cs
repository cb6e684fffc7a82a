namespace Baton.Contracts;

/// <param name="PublicPort">The port of the router's public (plain HTTP) listener, so a page can link to a service's hosts.</param>
/// <param name="StagingUrl">The router's staging listener (<c>http://127.0.0.1:8081/</c>), where staging hosts and the canary overrides answer; absent when it runs none.</param>
public sealed record StatusResponse(IReadOnlyList<ServiceStatus> Services, int? PublicPort = null, string? StagingUrl = null);

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
    double? CanaryPercent = null,
    RolloutStatus? Rollout = null,
    string? TargetTimeout = null,
    RouterAnswerCounts? RouterAnswers = null,
    DegradedStatus? Degraded = null);

/// <summary>
/// Answers the router gave itself for a service since it started, by status: 400 (a request it
/// refused as malformed, never counted against a target), 502 (no target could be reached or one
/// failed to answer), 503 (no healthy target, paused too long, maintenance), 504 (a target did not
/// answer within the target timeout). A request that matched no service (404) has no service.
/// </summary>
public sealed record RouterAnswerCounts(long S400, long S502, long S503, long S504);

/// <summary>A live release that is not well: its containers exit under their restart policy.</summary>
/// <param name="Reason">One sentence: which release, how often, the last exit.</param>
/// <param name="Exits">Exits (and OOM kills) of the live release's containers over the last <paramref name="Seconds"/>.</param>
/// <param name="RouterAnswers">The router's own answers to the service since the router started (502, 503, 504 …).</param>
public sealed record DegradedStatus(string Reason, int Exits, int Seconds, string? LastExitCode, DateTimeOffset LastExitAt, RouterAnswerCounts? RouterAnswers = null);


/// <summary>A canary or rolling deployment in progress.</summary>
/// <param name="Strategy"><c>canary</c> or <c>rolling</c>.</param>
/// <param name="Step">The current step (canary) or batch (rolling), from 1; 0 while the release starts.</param>
/// <param name="Steps">How many steps or batches in all.</param>
/// <param name="Percent">The canary's share of clients now.</param>
/// <param name="StepEndsAt">When the current step is judged and the next begins; null while paused.</param>
/// <param name="Paused">A share was set by hand: the steps wait for promote or abort (judging goes on).</param>
/// <param name="Detail">What it is doing, with the latest numbers.</param>
public sealed record RolloutStatus(long Deployment, string Strategy, string Image, int Step, int Steps, double? Percent, DateTimeOffset? StepEndsAt, bool Paused, string? Detail);

/// <param name="Name">The pool's name when it has one, such as its colour (<c>blue</c>).</param>
/// <param name="Window">The pool's traffic over the last minute, as the router counted it.</param>
/// <param name="StagingHosts">The hosts that reach this pool whatever is live (<c>green.app.example.com</c>), on the staging listener only; absent without any.</param>
/// <param name="Image">The image the pool runs, for a Docker service (from its deployment history); else absent.</param>
/// <param name="Release">The release the pool runs (<c>r7</c>), with <paramref name="Image"/>; without a history entry, as the deployer told the router when it staged the pool.</param>
/// <param name="StagingUrls">Each staging host as a URL on the staging listener (<c>http://green.app.example.com:8081/</c>); absent without staging hosts or a staging listener.</param>
public sealed record PoolStatus(
    IReadOnlyList<TargetStatus> Targets,
    string? Name = null,
    WindowStatus? Window = null,
    IReadOnlyList<string>? StagingHosts = null,
    string? Image = null,
    string? Release = null,
    IReadOnlyList<string>? StagingUrls = null);

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

/// <summary>
/// The services applied from a baton.yml, by name, whether or not they were ever deployed: the
/// status lists only routed services, and a page needs the others to offer their first deploy.
/// </summary>
public sealed record AppliedServicesResponse(IReadOnlyList<string> Services);
