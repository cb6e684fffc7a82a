using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using System.Threading.Channels;
using Baton.Deploy;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Baton.Server.RouterLink;

/// <summary>
/// The router process's control socket: a Unix socket in the data directory (mode 600, in a
/// directory only its owner may enter), where the controller reaches the router's
/// <see cref="LocalRouter"/> — one POST per call. Nothing else listens there, and the router
/// holds no secret: a stolen socket gives what the deployer has of the router, no more.
/// </summary>
internal static class RouterLinkApi
{
    /// <summary>The socket's file name in the data directory.</summary>
    public const string SocketFile = "router.sock";

    public static void Map(IEndpointRouteBuilder app, LocalRouter router, CancellationToken stopping)
    {
        // Drains handed out by switch, retire and merge, until their wait is asked for.
        var drains = new ConcurrentDictionary<string, IDrain>(StringComparer.Ordinal);
        LinkDrain Keep(IDrain drain)
        {
            var id = Guid.NewGuid().ToString("N");
            drains[id] = drain;
            return new LinkDrain(id);
        }
        var json = RouterLinkJson.Default;

        Post(app, "stage", json.LinkStage, async (m, ct) => new LinkAnswer(await router.StageAsync(m.Service, m.Routes, m.Pool, m.Targets, m.DeployTimeout, ct, m.Standby, m.Release)), json.LinkAnswer);
        Post(app, "switch", json.LinkService, (m, _) => Task.FromResult(Keep(router.Switch(m.Service))), json.LinkDrain);
        Post(app, "retire", json.LinkService, (m, _) => Task.FromResult(Keep(router.RetireCandidate(m.Service))), json.LinkDrain);
        Post(app, "merge", json.LinkMerge, (m, _) => Task.FromResult(Keep(router.Merge(m.Service, m.Remove.ToList(), m.AddCandidate, m.PoolName))), json.LinkDrain);
        Post(app, "drain", json.LinkDrain, async (m, ct) =>
            drains.TryRemove(m.Id, out var drain) ? new LinkDrained(await drain.WaitAsync(ct)) : new LinkDrained(0), json.LinkDrained);
        Post(app, "drop", json.LinkService, (m, _) => { router.DropCandidate(m.Service); return Task.FromResult(new LinkAnswer(null)); }, json.LinkAnswer);
        Post(app, "canary", json.LinkShare, (m, _) => Task.FromResult(new LinkAnswer(router.SetCanary(m.Service, m.Percent))), json.LinkAnswer);
        Post(app, "canary-percent", json.LinkService, (m, _) => Task.FromResult(new LinkPercent(router.CanaryPercent(m.Service))), json.LinkPercent);
        Post(app, "numbers", json.LinkNumbers, (m, _) => Task.FromResult(router.Numbers(m.Service, m.Targets.ToHashSet(StringComparer.Ordinal), m.Seconds)), json.PoolNumbers);
        Post(app, "live", json.LinkService, (m, _) => Task.FromResult(new LinkLive(router.Live(m.Service))), json.LinkLive);
        Post(app, "staging", json.LinkStaging, (m, _) =>
        {
            var (url, host) = router.Staging(m.Service, m.Pool);
            return Task.FromResult(new LinkStagingAnswer(url?.ToString(), host));
        }, json.LinkStagingAnswer);
        Post(app, "routes", json.LinkService, (m, _) => Task.FromResult(new LinkAnswer(null, router.Routes(m.Service))), json.LinkAnswer);
        Post(app, "route-conflict", json.LinkRoutes, (m, _) => Task.FromResult(new LinkAnswer(router.RouteConflict(m.Service, m.Hosts, m.Path, m.Staging))), json.LinkAnswer);
        Post(app, "remove", json.LinkRemove, async (m, _) => new LinkAnswer(await router.RemoveAsync(m.Service, m.WaitForDrain)), json.LinkAnswer);
        Post(app, "pause", json.LinkPause, (m, _) => Task.FromResult(new LinkAnswer(router.Pause(m.Service, m.Max))), json.LinkAnswer);
        Post(app, "resume", json.LinkService, (m, _) => Task.FromResult(new LinkAnswer(router.Resume(m.Service))), json.LinkAnswer);
        Post(app, "maintenance", json.LinkMaintenance, (m, _) => Task.FromResult(new LinkAnswer(router.Maintenance(m.Service, m.On, m.Message))), json.LinkAnswer);
        Post(app, "answers", json.LinkService, (m, _) => Task.FromResult(router.AnswersOf(m.Service)), json.RouterAnswerCounts);
        Post(app, "traffic", json.LinkService, (m, _) => Task.FromResult(router.Traffic(m.Service)), json.TrafficResponse);
        Post(app, "status-of", json.LinkService, (m, _) => Task.FromResult(router.Status(m.Service)), json.ServiceStatus);
        app.MapPost("/link/status", () => Results.Json(router.Status(), json.StatusResponse));
        app.MapPost("/link/metrics", () => Results.Text(router.Metrics()));
        app.MapPost("/link/process", () => Results.Json(router.Process(), json.RouterProcessResponse));

        // A --target deploy: one streamed answer, a JSON line each: refused or begun, the progress, the end.
        app.MapPost("/link/targets", async (HttpContext context) =>
        {
            var m = await JsonSerializer.DeserializeAsync(context.Request.Body, json.LinkTargets, context.RequestAborted);
            if (m is null) { context.Response.StatusCode = 400; return; }
            context.Response.ContentType = "application/x-ndjson";
            async Task WriteAsync(LinkTargetsLine line)
            {
                await context.Response.WriteAsync(JsonSerializer.Serialize(line, json.LinkTargetsLine) + "\n", CancellationToken.None);
                await context.Response.Body.FlushAsync(CancellationToken.None);
            }
            var start = await router.StartTargetsAsync(m.Service, m.Body, stopping);
            if (start.RunAsync is not { } run)
            {
                await WriteAsync(new LinkTargetsLine("refused", start.Error, start.RefusedStatus, Done: true));
                return;
            }
            await WriteAsync(new LinkTargetsLine("begun", null));
            // The rollout runs to its end even if the controller goes away; its lines are then lost.
            var lines = Channel.CreateUnbounded<LinkTargetsLine>();
            var running = Task.Run(async () =>
            {
                string? failure = "The router stopped during the deployment.";
                try
                {
                    failure = await run((kind, message) => lines.Writer.TryWrite(new LinkTargetsLine(kind, message)));
                }
                finally
                {
                    lines.Writer.TryWrite(new LinkTargetsLine("end", failure, Done: true));
                    lines.Writer.TryComplete();
                }
            }, CancellationToken.None);
            try
            {
                await foreach (var line in lines.Reader.ReadAllAsync(context.RequestAborted)) await WriteAsync(line);
            }
            catch (Exception e) when (e is OperationCanceledException or IOException)
            {
                // The controller left; the rollout carries on.
            }
        });
    }

    private static void Post<TIn, TOut>(IEndpointRouteBuilder app, string name, JsonTypeInfo<TIn> input, Func<TIn, CancellationToken, Task<TOut>> handle, JsonTypeInfo<TOut> output) =>
        app.MapPost($"/link/{name}", async (HttpContext context) =>
        {
            var m = await JsonSerializer.DeserializeAsync(context.Request.Body, input, context.RequestAborted);
            if (m is null)
            {
                context.Response.StatusCode = StatusCodes.Status400BadRequest;
                return;
            }
            TOut answer;
            try
            {
                answer = await handle(m, context.RequestAborted);
            }
            catch (InvalidOperationException e)
            {
                // The router's own refusal (a switch with no candidate staged, say: a router restarted since the stage):
                // its sentence goes back, and the caller throws it as the in-process router would.
                context.Response.StatusCode = StatusCodes.Status409Conflict;
                context.Response.ContentType = "text/plain; charset=utf-8";
                await context.Response.WriteAsync(e.Message, context.RequestAborted);
                return;
            }
            // A null answer (no such service) is JSON null: the caller reads it as "none".
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(answer is null ? "null" : JsonSerializer.Serialize(answer, output), context.RequestAborted);
        });
}
