using System.Text.Json;
using System.Threading.Channels;
using Baton.Contracts;
using Baton.Router.Rollout;
using Baton.Router.Routing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Baton.Server.Api;

/// <summary>
/// <c>POST /api/services/{name}/deploy</c>: validates, then streams the rollout's progress as
/// server-sent events. The rollout goes on to its end even if the caller disconnects.
/// </summary>
internal static class DeploymentsApi
{
    public static void Map(IEndpointRouteBuilder app, RoutingState state, PoolRollout rollout, TimeProvider time, CancellationToken stopping)
    {
        app.MapPost("/api/services/{name}/deploy", async (string name, HttpContext context) =>
        {
            var (body, problem) = await ApiResults.ReadAsync(context.Request, BatonJson.Default.DeployRequest);
            if (problem is not null)
            {
                await problem.ExecuteAsync(context);
                return;
            }
            var plan = DeployPlan.TryCreate(name, body!, state.Current, out var error);
            if (plan is null)
            {
                await ApiResults.Error(StatusCodes.Status400BadRequest, error).ExecuteAsync(context);
                return;
            }
            if (!rollout.TryBegin(name, out error))
            {
                await ApiResults.Error(StatusCodes.Status409Conflict, error).ExecuteAsync(context);
                return;
            }

            var events = Channel.CreateUnbounded<DeployEvent>();
            _ = Task.Run(async () =>
            {
                try
                {
                    var failure = await rollout.RunAsync(plan, (kind, message) => events.Writer.TryWrite(new DeployEvent(kind, message, time.GetUtcNow())), stopping);
                    if (failure is not null) events.Writer.TryWrite(new DeployEvent("failed", failure, time.GetUtcNow()));
                }
                catch (Exception e)
                {
                    events.Writer.TryWrite(new DeployEvent("failed", $"The deployment stopped on an internal error: {e.Message}", time.GetUtcNow()));
                }
                finally
                {
                    events.Writer.TryComplete();
                }
            }, CancellationToken.None);

            context.Response.StatusCode = StatusCodes.Status200OK;
            context.Response.ContentType = "text/event-stream";
            context.Response.Headers.CacheControl = "no-cache";
            try
            {
                await foreach (var e in events.Reader.ReadAllAsync(context.RequestAborted))
                {
                    await context.Response.WriteAsync($"event: {e.Kind}\ndata: {JsonSerializer.Serialize(e, BatonJson.Default.DeployEvent)}\n\n", context.RequestAborted);
                    await context.Response.Body.FlushAsync(context.RequestAborted);
                }
            }
            catch (OperationCanceledException)
            {
                // The caller left; the rollout carries on.
            }
        });
    }
}
