using System.Diagnostics;
using Baton.Contracts;
using Baton.Deploy.Store;
using Baton.Server.Audit;
using Baton.Server.Auth;
using Baton.Server.Supervision;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

using Baton.Server.RouterLink;

namespace Baton.Server.Api;

/// <summary>
/// <c>GET /api/router</c>: the process that serves; <c>POST /api/router/restart</c>: asks the
/// supervisor to replace it with a new one started from the binary on disk, with no dropped
/// connection (see <see cref="Supervisor"/>).
/// </summary>
internal static class RouterApi
{
    public static void Map(IEndpointRouteBuilder app, IRouterAccess router, DeployStore store)
    {
        app.MapGet("/api/router", () => Results.Json(router.Process() with { ControllerPid = Environment.ProcessId }, BatonJson.Default.RouterProcessResponse))
            .RequireRole(Role.Viewer)
            .Doc("getRouter", "The router process that serves now: its PID, whether a supervisor runs it, and how many times it was restarted.")
            .Produces<RouterProcessResponse>();

        app.MapPost("/api/router/restart", () =>
        {
            if (WorkerChannel.Current is not { } channel)
                return ApiResults.Error(StatusCodes.Status409Conflict, "This Baton runs without its supervisor (in one process), so it cannot hand its sockets over; restart the process instead.");
            if (store.Unfinished().FirstOrDefault() is { } running)
                return running.Outcome == "held"
                    ? ApiResults.Error(StatusCodes.Status409Conflict, $"A deployment of {running.Service} is held for promote, and a new router process would not keep its staged pool; promote or abort it first.")
                    : ApiResults.Error(StatusCodes.Status409Conflict, $"A deployment of {running.Service} is running; restart the router when it has ended (or abort it first).");
            var serving = router.Process() with { ControllerPid = Environment.ProcessId };
            channel.Send("restart baton router restart");
            return Results.Json(serving with { Message = $"Restarting: a new router process (from the binary on disk) takes over the listening sockets; PID {serving.Pid} then drains and stops." },
                BatonJson.Default.RouterProcessResponse, statusCode: StatusCodes.Status202Accepted);
        }).RequireRole(Role.Admin).Audited("router-restart")
            .Doc("restartRouter", "Replace the router process with a new one started from the binary on disk, with no refused connection and no failed request.",
                "202 when the supervisor took the request; 409 without a supervisor or while a deployment runs or is held.")
            .Produces<RouterProcessResponse>(StatusCodes.Status202Accepted).Errors(StatusCodes.Status409Conflict);
    }
}
