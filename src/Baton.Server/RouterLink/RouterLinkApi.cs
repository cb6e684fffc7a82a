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

    /// <param name="stopping">Cancelled at a handover's release (and at a stop): a stage still waiting for its health checks
    /// and a <c>--target</c> deploy end here, failed, and change nothing more.</param>
    /// <param name="gate">Closed at a handover's release: the calls that change the router state pass it, and release waits
    /// for those in flight, so none lands in this process after the next one has loaded the saved state.</param>
    public static void Map(IEndpointRouteBuilder app, LocalRouter router, CancellationToken stopping, LinkGate gate)
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

        Post(app, "stage", json.LinkStage, async (m, ct) =>
        {
            using var either = CancellationTokenSource.CreateLinkedTokenSource(ct, stopping);
            var error = await router.StageAsync(m.Service, m.Routes, m.Pool, m.Targets, m.DeployTimeout, either.Token, m.Standby, m.Release);
            return new LinkAnswer(error is not null && stopping.IsCancellationRequested ? Restarted : error);
        }, json.LinkAnswer, gate);
        Post(app, "switch", json.LinkService, (m, _) => Task.FromResult(Keep(router.Switch(m.Service))), json.LinkDrain, gate);
        Post(app, "retire", json.LinkService, (m, _) => Task.FromResult(Keep(router.RetireCandidate(m.Service))), json.LinkDrain, gate);
        Post(app, "merge", json.LinkMerge, (m, _) => Task.FromResult(Keep(router.Merge(m.Service, m.Remove.ToList(), m.AddCandidate, m.PoolName))), json.LinkDrain, gate);
        // Only waits, for this process's own requests: not gated, it goes on after a release.
        Post(app, "drain", json.LinkDrain, async (m, ct) =>
            drains.TryRemove(m.Id, out var drain) ? new LinkDrained(await drain.WaitAsync(ct)) : new LinkDrained(0), json.LinkDrained, gate: null);
        Post(app, "drop", json.LinkService, (m, _) => { router.DropCandidate(m.Service); return Task.FromResult(new LinkAnswer(null)); }, json.LinkAnswer, gate);
        Post(app, "canary", json.LinkShare, (m, _) => Task.FromResult(new LinkAnswer(router.SetCanary(m.Service, m.Percent))), json.LinkAnswer, gate);
        Post(app, "canary-percent", json.LinkService, (m, _) => Task.FromResult(new LinkPercent(router.CanaryPercent(m.Service))), json.LinkPercent, gate: null);
        Post(app, "numbers", json.LinkNumbers, (m, _) => Task.FromResult(router.Numbers(m.Service, m.Targets.ToHashSet(StringComparer.Ordinal), m.Seconds)), json.PoolNumbers, gate: null);
        Post(app, "live", json.LinkService, (m, _) => Task.FromResult(new LinkLive(router.Live(m.Service))), json.LinkLive, gate: null);
        Post(app, "staging", json.LinkStaging, (m, _) =>
        {
            var (url, host) = router.Staging(m.Service, m.Pool);
            return Task.FromResult(new LinkStagingAnswer(url?.ToString(), host));
        }, json.LinkStagingAnswer, gate: null);
        Post(app, "routes", json.LinkService, (m, _) => Task.FromResult(new LinkAnswer(null, router.Routes(m.Service))), json.LinkAnswer, gate: null);
        Post(app, "route-conflict", json.LinkRoutes, (m, _) => Task.FromResult(new LinkAnswer(router.RouteConflict(m.Service, m.Hosts, m.Path, m.Staging))), json.LinkAnswer, gate: null);
        // The change passes the gate; the wait for the removed targets' drain after it does not.
        Post(app, "remove", json.LinkRemove, async (m, _) =>
        {
            Task drained;
            string? error;
            using (var pass = gate.Enter())
            {
                if (pass is null) throw new InvalidOperationException(LinkGate.Closed);
                error = router.Remove(m.Service, out drained);
            }
            if (error is null && m.WaitForDrain) await drained;
            return new LinkAnswer(error);
        }, json.LinkAnswer, gate: null);
        Post(app, "pause", json.LinkPause, (m, _) => Task.FromResult(new LinkAnswer(router.Pause(m.Service, m.Max))), json.LinkAnswer, gate);
        Post(app, "resume", json.LinkService, (m, _) => Task.FromResult(new LinkAnswer(router.Resume(m.Service))), json.LinkAnswer, gate);
        Post(app, "maintenance", json.LinkMaintenance, (m, _) => Task.FromResult(new LinkAnswer(router.Maintenance(m.Service, m.On, m.Message))), json.LinkAnswer, gate);
        Post(app, "answers", json.LinkService, (m, _) => Task.FromResult(router.AnswersOf(m.Service)), json.RouterAnswerCounts, gate: null);
        Post(app, "traffic", json.LinkService, (m, _) => Task.FromResult(router.Traffic(m.Service)), json.TrafficResponse, gate: null);
        Post(app, "status-of", json.LinkService, (m, _) => Task.FromResult(router.Status(m.Service)), json.ServiceStatus, gate: null);
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
            // The rollout passes the gate for its whole run: a release cancels it (stopping) and waits for its end.
            var pass = gate.Enter();
            if (pass is null)
            {
                await WriteAsync(new LinkTargetsLine("refused", LinkGate.Closed, StatusCodes.Status503ServiceUnavailable, Done: true));
                return;
            }
            TargetsStart start;
            try
            {
                start = await router.StartTargetsAsync(m.Service, m.Body, stopping);
            }
            catch
            {
                pass.Dispose();
                throw;
            }
            if (start.RunAsync is not { } run)
            {
                pass.Dispose();
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
                    if (failure is not null && stopping.IsCancellationRequested) failure = Restarted;
                }
                finally
                {
                    pass.Dispose();
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

    /// <summary>A stage or <c>--target</c> deploy cut short by a router restart (or stop).</summary>
    private const string Restarted = "The router process was restarted or stopped during the call; nothing was switched and the live release was not touched.";

    /// <param name="gate">The handover's gate, for a call that changes the router state; null for one that only reads or waits.</param>
    private static void Post<TIn, TOut>(IEndpointRouteBuilder app, string name, JsonTypeInfo<TIn> input, Func<TIn, CancellationToken, Task<TOut>> handle, JsonTypeInfo<TOut> output, LinkGate? gate) =>
        app.MapPost($"/link/{name}", async (HttpContext context) =>
        {
            var m = await JsonSerializer.DeserializeAsync(context.Request.Body, input, context.RequestAborted);
            if (m is null)
            {
                context.Response.StatusCode = StatusCodes.Status400BadRequest;
                return;
            }
            TOut answer;
            var pass = gate?.Enter();
            try
            {
                // Released (a connection taken just before): nothing is changed here; the caller is told in one sentence.
                if (gate is not null && pass is null) throw new InvalidOperationException(LinkGate.Closed);
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
            finally
            {
                pass?.Dispose();
            }
            // A null answer (no such service) is JSON null: the caller reads it as "none".
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(answer is null ? "null" : JsonSerializer.Serialize(answer, output), context.RequestAborted);
        });
}

/// <summary>
/// The control socket's calls that change the router state pass here. At a handover's release it
/// closes: a later call (on a connection taken just before) is refused in one sentence, nothing
/// changed, and the release waits for the calls in flight: quick ones, a stage or a
/// <c>--target</c> deploy that the release cancelled, and a <c>--target</c> deploy that had
/// switched already until its drain ends.
/// </summary>
internal sealed class LinkGate
{
    public const string Closed = "The router process is being replaced by a new one; nothing was changed: try again.";

    private readonly Lock _lock = new();
    private readonly TaskCompletionSource _idle = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private bool _closed;
    private int _inFlight;

    /// <summary>A pass to dispose when the call's change is done, or null once closed.</summary>
    public IDisposable? Enter()
    {
        lock (_lock)
        {
            if (_closed) return null;
            _inFlight++;
            return new Pass(this);
        }
    }

    /// <summary>Refuses every later call and completes when the ones in flight are done.</summary>
    public Task CloseAsync()
    {
        lock (_lock)
        {
            _closed = true;
            if (_inFlight == 0) _idle.TrySetResult();
        }
        return _idle.Task;
    }

    private void Exit()
    {
        lock (_lock)
        {
            if (--_inFlight == 0 && _closed) _idle.TrySetResult();
        }
    }

    private sealed class Pass(LinkGate gate) : IDisposable
    {
        private int _done;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _done, 1) == 0) gate.Exit();
        }
    }
}
