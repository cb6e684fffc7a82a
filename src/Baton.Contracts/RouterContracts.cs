namespace Baton.Contracts;

/// <summary>The router process that serves now (<c>GET /api/router</c>, and the answer to a restart).</summary>
/// <param name="Pid">The process that serves the public listeners and this API.</param>
/// <param name="Supervised">True under <c>baton server</c>'s supervisor, which can replace the process with no dropped connection.</param>
/// <param name="Restarts">How many times the supervisor replaced it so far (0 for the first process).</param>
/// <param name="Message">For a restart: what happens now.</param>
/// <param name="ControllerPid">The controller process that answered (the admin API, page and deployer): under the supervisor another process than the router's.</param>
public sealed record RouterProcessResponse(int Pid, bool Supervised, int Restarts, DateTimeOffset StartedAt, string? Message = null, int? ControllerPid = null);
