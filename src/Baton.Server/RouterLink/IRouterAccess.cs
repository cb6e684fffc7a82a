using Baton.Contracts;
using Baton.Deploy;

namespace Baton.Server.RouterLink;

/// <summary>
/// What the controller (the admin API, the page and the deployer) needs of the router, and nothing
/// more. In one process it is the router's own objects (<see cref="LocalRouter"/>); under the
/// supervisor the router is another process, reached on its control socket (<see cref="RemoteRouter"/>).
/// </summary>
internal interface IRouterAccess : IRouterControl
{
    /// <summary>Whether the router has a route for <paramref name="service"/>.</summary>
    bool Routes(string service);

    /// <summary>Null when <paramref name="service"/> may claim these hosts, path and staging hosts; else why not, in one sentence.</summary>
    string? RouteConflict(string service, IReadOnlyList<string> hosts, string path, string staging);

    /// <summary>Takes the service's route away at once; with <paramref name="waitForDrain"/> the task ends when its requests in flight have drained. Null when done, else why not.</summary>
    Task<string?> RemoveAsync(string service, bool waitForDrain);

    StatusResponse Status();

    ServiceStatus? Status(string service);

    string? Pause(string service, TimeSpan max);

    string? Resume(string service);

    string? Maintenance(string service, bool on, string? message);

    /// <summary>The router's counters in the Prometheus text format.</summary>
    string Metrics();

    /// <summary>The answers the router gave itself for the service (400, 502, 503, 504), since it started.</summary>
    RouterAnswerCounts AnswersOf(string service);

    /// <summary>The service's traffic per colour over the last 15 minutes (no markers: the controller adds them); null when the router has none.</summary>
    TrafficResponse? Traffic(string service);

    /// <summary>The router process: its PID, whether a supervisor runs it, its restarts.</summary>
    RouterProcessResponse Process(string? message = null);

    /// <summary>
    /// A <c>--target</c> deploy: validates it and takes the service's rollout lock. Refused: the
    /// HTTP status and the sentence, nothing changed. Begun: <see cref="TargetsStart.RunAsync"/>
    /// runs it (health gate, switch, drain) reporting each step, and returns null or the failure.
    /// </summary>
    Task<TargetsStart> StartTargetsAsync(string service, DeployRequest body, CancellationToken stopping);
}

/// <summary>A <c>--target</c> deploy refused (<see cref="RefusedStatus"/>, <see cref="Error"/>) or begun (<see cref="RunAsync"/>).</summary>
internal sealed record TargetsStart(int RefusedStatus, string? Error, Func<Action<string, string>, Task<string?>>? RunAsync)
{
    public static TargetsStart Refused(int status, string error) => new(status, error, null);
}
