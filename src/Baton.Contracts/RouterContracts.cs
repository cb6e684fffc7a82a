namespace Baton.Contracts;

/// <summary>The router process that serves now (<c>GET /api/router</c>, and the answer to a restart).</summary>
/// <param name="Pid">The process that serves the public listeners and this API.</param>
/// <param name="Supervised">True under <c>baton server</c>'s supervisor, which can replace the process with no dropped connection.</param>
/// <param name="Restarts">How many times the supervisor replaced it so far (0 for the first process).</param>
/// <param name="Message">For a restart: what happens now.</param>
/// <param name="ControllerPid">The controller process that answered (the admin API, page and deployer): under the supervisor another process than the router's.</param>
public sealed record RouterProcessResponse(int Pid, bool Supervised, int Restarts, DateTimeOffset StartedAt, string? Message = null, int? ControllerPid = null);

/// <summary>
/// Every router the controller switches together (<c>GET /api/routers</c>): its own router (<c>local</c>) and each
/// router host added with <c>baton router add</c>, each as it answers now.
/// </summary>
public sealed record RoutersResponse(IReadOnlyList<RouterView> Routers);

/// <summary>One router's view.</summary>
/// <param name="Name"><c>local</c> for the controller's own router, else the name it was added with.</param>
/// <param name="Ssh">Where the controller logs in to its <c>baton router link</c>; absent for the local one.</param>
/// <param name="Reachable">It answered just now; else <paramref name="Problem"/> says why not, in one sentence.</param>
/// <param name="Pid">Its router process.</param>
/// <param name="Services">Each service it routes: the pool live there and its targets, and a staged candidate's name.</param>
/// <param name="HostKey">The pinned SSH host key of a router host.</param>
public sealed record RouterView(string Name, string? Ssh, bool Reachable, string? Problem, int? Pid, IReadOnlyList<RouterServiceView> Services, HostKeyView? HostKey = null);

/// <summary>A service on one router: the live pool's name (the colour) and targets, and the candidate's name while one is staged.</summary>
public sealed record RouterServiceView(string Service, string? Pool, IReadOnlyList<string> Targets, string? Candidate);

/// <summary>A router host just added: the stored entry (with the authorized_keys line) and how the first contact went.</summary>
public sealed record RouterAddResponse(HostView Router, RouterView Contact);
