using Baton.Deploy.Rollouts;

namespace Baton.Deploy;

/// <summary>
/// What the deployer needs of the router, and nothing more. In one process it is the router's
/// own state; across hosts it will be the router's admin API.
/// </summary>
public interface IRouterControl
{
    /// <summary>
    /// Puts <paramref name="targets"/> in the service's candidate pool named <paramref name="pool"/> and
    /// waits until all pass their health checks. The service's routes take effect only at the switch.
    /// </summary>
    /// <param name="standby">The pool is an earlier release kept warm while a new one is watched: requests
    /// that find no available live target go to it.</param>
    /// <param name="release">The release the targets run (such as <c>r2</c>), for the request log; null when not known.</param>
    /// <returns>Null when healthy; else the health answer of each target that failed. The candidate is then dropped.</returns>
    Task<string?> StageAsync(string service, RouteSpec routes, string pool, IReadOnlyList<string> targets, TimeSpan deployTimeout, CancellationToken cancellationToken, bool standby = false, string? release = null);

    /// <summary>Makes the candidate the active pool in one step; the returned drain finishes the old pool's requests.</summary>
    IDrain Switch(string service);

    /// <summary>Drops the candidate pool, if any; the active pool is untouched.</summary>
    void DropCandidate(string service);

    /// <summary>Drops the candidate pool; the drain finishes the requests its targets (those not also live) still serve.</summary>
    IDrain RetireCandidate(string service);

    /// <summary>
    /// In one route-table update: takes <paramref name="remove"/> out of the live pool and, when
    /// <paramref name="addCandidate"/>, moves the staged candidate's targets into it (renamed
    /// <paramref name="poolName"/> when given). The drain finishes the removed targets' requests.
    /// </summary>
    IDrain Merge(string service, IReadOnlyCollection<string> remove, bool addCandidate, string? poolName);

    /// <summary>Gives the candidate pool a sticky share of clients, 0–100; null when done, else why not.</summary>
    string? SetCanary(string service, double percent);

    /// <summary>The candidate's share of clients now; 0 without a candidate.</summary>
    double CanaryPercent(string service);

    /// <summary>What the router counted for these targets (live or candidate) over the last <paramref name="seconds"/> seconds.</summary>
    PoolNumbers Numbers(string service, IReadOnlyCollection<string> targets, int seconds);

    /// <summary>The active pool's name and target addresses, or null when the service is not live.</summary>
    LivePool? Live(string service);

    /// <summary>
    /// The URL of the router's staging listener (null when it runs none) and the staging host of a
    /// pool (null when the service has none), for smoke checks and the hold message.
    /// </summary>
    (Uri? StagingUrl, string? StagingHost) Staging(string service, string pool);
}

/// <summary>The old pool's drain after a switch.</summary>
public interface IDrain
{
    /// <returns>The number of long-lived requests closed at the drain deadline.</returns>
    Task<int> WaitAsync(CancellationToken cancellationToken);

    /// <summary>What the deploy's progress should say about the switch (several routers: on which, and their skew); null: nothing.</summary>
    string? Note => null;
}

/// <param name="Release">The release the pool runs; null when not known or when it runs two (mid-way through a rolling deploy).</param>
public sealed record LivePool(string? Name, IReadOnlyList<string> Targets, string? Release = null);

/// <summary>How users reach the service, and how its targets are checked and drained.</summary>
public sealed record RouteSpec(
    IReadOnlyList<string> Hosts,
    string Path,
    string Staging,
    string HealthPath,
    TimeSpan HealthInterval,
    TimeSpan HealthTimeout,
    int HealthPasses,
    string? HealthHost,
    TimeSpan DrainTimeout,
    TimeSpan? TargetTimeout = null,
    Baton.Router.Routing.ServiceTls? Tls = null);
