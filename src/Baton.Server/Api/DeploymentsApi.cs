using Baton.Contracts;
using Baton.Deploy.Rollouts;
using Baton.Deploy.ServiceFile;
using Baton.Deploy.Store;
using Baton.Router;
using Baton.Router.Rollout;
using Baton.Router.Routing;
using Baton.Server.Audit;
using Baton.Server.Auth;
using Baton.Server.Deployments;
using Baton.Server.RouterLink;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Baton.Server.Api;

/// <summary>
/// Applying service files and moving services between releases: deploy (of an image, or of
/// targets started elsewhere), promote, abort, rollback, history. Long operations answer with
/// server-sent events of their progress.
/// </summary>
internal static class DeploymentsApi
{
    /// <summary>An apply body: a service file at its largest, JSON-escaped (a character may take up to six bytes), and its name.</summary>
    private const long MaxApplyBytes = 6L * ServiceFileLimits.MaxChars + 4096;

    /// <param name="httpsListener">Whether the server runs a TLS listener (<c>--listen-tls</c>): <c>tls: auto</c> is refused without one.</param>
    public static void Map(IEndpointRouteBuilder app, IRouterAccess router, DeployerHost deployers, TimeProvider time, CancellationToken stopping, bool httpsListener = true)
    {
        // A service is known once applied or routed; an unknown one is a 404 before any engine is asked.
        bool Known(string name) => deployers.Store.GetService(name) is not null || router.Routes(name);

        // Remove: the route goes at once, requests in flight drain, then a Docker service's
        // containers are stopped and removed and its definition forgotten (its history stays).
        app.MapDelete("/api/services/{name}", async (string name, CancellationToken ct) =>
        {
            var yaml = deployers.Store.GetService(name);
            bool routed = router.Routes(name);
            if (yaml is null && !routed) return ApiResults.NotFound(name);
            if (deployers.Store.GetLock(name) is { } held)
                return ApiResults.Error(StatusCodes.Status409Conflict, $"Deployment #{held.DeploymentId} of {name} is running or held; let it finish, or abort it, before removing the service.");
            if (yaml is null)
            {
                await router.RemoveAsync(name, waitForDrain: false);
                return Results.Json(new RemoveResponse(name, $"Removed {name}; its targets drain in the background."), BatonJson.Default.RemoveResponse);
            }
            await router.RemoveAsync(name, waitForDrain: true);
            var stopTimeout = ServiceFileParser.Parse(yaml).Definition?.StopTimeout ?? TimeSpan.FromSeconds(10);
            var (deployer, error) = await deployers.GetAsync(ct);
            var containers = deployer is null ? error : (await deployer.RemoveContainersAsync(name, stopTimeout, CancellationToken.None)).Error?.Message;
            deployers.Store.DeleteService(name);
            return Results.Json(new RemoveResponse(name, containers is null
                ? $"Removed {name}: requests in flight finished, its containers were removed; its history is kept."
                : $"Removed {name} from the router, but its containers could not be removed ({containers}); remove the containers labelled baton.service={name} by hand."), BatonJson.Default.RemoveResponse);
        }).RequireRole(Role.Admin).Audited("remove")
            .Doc("removeService", "Remove a service: its route at once, its containers once requests in flight drained; its history stays.")
            .Produces<RemoveResponse>().Errors(StatusCodes.Status404NotFound, StatusCodes.Status409Conflict);

        app.MapPost("/api/services", async (HttpRequest request) =>
        {
            var (body, problem) = await ApiResults.ReadAsync(request, BatonJson.Default.ApplyRequest, maxBytes: MaxApplyBytes);
            if (problem is not null) return problem;
            var file = string.IsNullOrWhiteSpace(body!.FileName) ? "baton.yml" : Path.GetFileName(body.FileName);
            if (ServiceFileLimits.Check(body.Yaml ?? "", file) is { } refused)
                return ApiResults.Error(refused.Kind == ServiceFileRefusal.TooLarge ? StatusCodes.Status413PayloadTooLarge : StatusCodes.Status400BadRequest,
                    $"{refused.Message}; nothing was applied.");
            var parsed = ServiceFileParser.Parse(body.Yaml ?? "", file);
            if (!parsed.Ok)
            {
                var count = parsed.Errors.Count == 1 ? "an error" : $"{parsed.Errors.Count} errors";
                return Results.Json(new ApiError($"{file} has {count}; nothing was applied.", parsed.Errors), BatonJson.Default.ApiError, statusCode: StatusCodes.Status400BadRequest);
            }
            var def = parsed.Definition!;
            if (router.RouteConflict(def.Name, def.Hosts, def.Path, def.Staging) is { } conflict)
                return ApiResults.Error(StatusCodes.Status400BadRequest, $"{file}: {conflict}; nothing was applied.");
            if (def.Tls.Auto && !httpsListener)
                return ApiResults.Error(StatusCodes.Status400BadRequest, $"{file}: tls: auto needs an HTTPS listener and this server runs none; start it with --listen-tls :443 (and --acme-email), or drop tls; nothing was applied.");
            if (def.Network is { } network && await deployers.MissingNetworkAsync(network, request.HttpContext.RequestAborted) is { } missing)
                return ApiResults.Error(StatusCodes.Status400BadRequest, $"{file}: target.network: {missing.TrimEnd('.')}; nothing was applied.");
            bool created = deployers.Store.GetService(def.Name) is null;
            AuditScope.Of(request.HttpContext)?.Target = def.Name;
            deployers.Store.SaveService(def.Name, body.Yaml!, Caller.NameOf(request.HttpContext));
            var message = created
                ? $"Service {def.Name} applied; deploy it with: baton deploy {def.Name} --image {def.Image}:TAG"
                : $"Service {def.Name} updated; the next deploy uses it.";
            return Results.Json(new ApplyResponse(def.Name, created, message), BatonJson.Default.ApplyResponse);
        }).RequireRole(Role.Deployer).Audited("apply")
            .Doc("applyService", "Register or update a service from the text of its baton.yml.", "A 400 lists each error of the file in `details`.")
            .Body<ApplyRequest>().Produces<ApplyResponse>().Errors(StatusCodes.Status400BadRequest, StatusCodes.Status413PayloadTooLarge, StatusCodes.Status415UnsupportedMediaType);

        app.MapGet("/api/services/{name}/definition", (string name) =>
        {
            var yaml = deployers.Store.GetService(name);
            if (yaml is null || ServiceFileParser.Parse(yaml).Definition is not { } d)
                return ApiResults.Error(StatusCodes.Status404NotFound, $"No baton.yml was applied for {name}.");
            return Results.Json(new DefinitionView(d.Name, d.Image, d.Hosts, d.Path, d.Replicas,
                d.Env.ToDictionary(e => e.Name, e => e.Shown), d.Workers.Select(w => w.Name).ToList()), BatonJson.Default.DefinitionView);
        }).RequireRole(Role.Viewer)
            .Doc("getDefinition", "The applied baton.yml of a service, secret values masked.").Produces<DefinitionView>().Errors(StatusCodes.Status404NotFound);

        app.MapPost("/api/services/{name}/deploy", async (string name, HttpContext context) =>
        {
            var (body, problem) = await ApiResults.ReadAsync(context.Request, BatonJson.Default.DeployRequest);
            if (problem is not null)
            {
                await problem.ExecuteAsync(context);
                return;
            }
            if ((body!.Image is null) == (body.Targets is null))
            {
                await ApiResults.Error(StatusCodes.Status400BadRequest, "Give either an image (--image REPO:TAG) or targets (--target HOST:PORT), not both.").ExecuteAsync(context);
                return;
            }
            if (body.Image is not null && body.TargetTimeout is not null)
            {
                await ApiResults.Error(StatusCodes.Status400BadRequest, "A target timeout is for --target deploys; a Docker service sets target_timeout in its baton.yml.").ExecuteAsync(context);
                return;
            }
            var options = DeployOptions.TryCreate(body, out var optionsError);
            if (options is null)
            {
                await ApiResults.Error(StatusCodes.Status400BadRequest, optionsError).ExecuteAsync(context);
                return;
            }
            if (body.Image is not null)
            {
                if (deployers.Store.GetService(name) is null)
                {
                    await ApiResults.Error(StatusCodes.Status404NotFound, $"There is no service named {name}; apply its baton.yml first: baton apply -f baton.yml.").ExecuteAsync(context);
                    return;
                }
                await DockerAsync(context, deployers, time, stopping, (deployer, report) =>
                    deployer.DeployAsync(name, body.Image, Caller.NameOf(context), options, (k, m) => report(k, m), stopping));
                return;
            }
            if (options.Strategy != Strategy.BlueGreen)
            {
                await ApiResults.Error(StatusCodes.Status400BadRequest, $"The {DeployOptions.Name(options.Strategy)} strategy is for services deployed from an image (baton apply, then --image); targets started elsewhere are switched blue-green.").ExecuteAsync(context);
                return;
            }
            var start = await router.StartTargetsAsync(name, body, stopping);
            if (start.RunAsync is not { } run)
            {
                await ApiResults.Error(start.RefusedStatus, start.Error!).ExecuteAsync(context);
                return;
            }
            // Recorded like an image deploy, so `baton history` lists it and `baton rollback` can say why it cannot undo it.
            var store = deployers.Store;
            var (id, _) = store.BeginDeployment(name, "targets", string.Join(", ", body.Targets!), null, null, Caller.NameOf(context), null);
            await ProgressStream.RunAsync(context, time, async report =>
            {
                string? failure = "Baton stopped during the deployment.";
                try
                {
                    failure = await run(report);
                    return failure;
                }
                finally
                {
                    store.FinishDeployment(id, failure is null ? Outcomes.Succeeded : Outcomes.Failed, failure);
                }
            });
        }).RequireRole(Role.Deployer).Audited("deploy")
            .Doc("deployService", "Deploy an image (blue-green, canary or rolling) or switch to targets started elsewhere.")
            .Body<DeployRequest>().Events().Errors(StatusCodes.Status400BadRequest, StatusCodes.Status404NotFound, StatusCodes.Status409Conflict, StatusCodes.Status415UnsupportedMediaType, StatusCodes.Status503ServiceUnavailable);

        app.MapPost("/api/services/{name}/promote", (string name, HttpContext context) =>
            Known(name) ? DockerAsync(context, deployers, time, stopping, (deployer, report) => deployer.PromoteAsync(name, Caller.NameOf(context), (k, m) => report(k, m), stopping))
                : ApiResults.NotFound(name).ExecuteAsync(context))
            .RequireRole(Role.Deployer).Audited("promote")
            .Doc("promoteDeployment", "Switch a held deployment live, or finish a running canary or rolling one at once.")
            .Events().Errors(StatusCodes.Status404NotFound, StatusCodes.Status409Conflict, StatusCodes.Status503ServiceUnavailable);

        app.MapPost("/api/services/{name}/abort", (string name, HttpContext context) =>
            Known(name) ? DockerAsync(context, deployers, time, stopping, (deployer, report) => deployer.AbortAsync(name, Caller.NameOf(context), (k, m) => report(k, m), stopping))
                : ApiResults.NotFound(name).ExecuteAsync(context))
            .RequireRole(Role.Deployer).Audited("abort")
            .Doc("abortDeployment", "Throw away a held deployment, or roll back a running canary or rolling one now.")
            .Events().Errors(StatusCodes.Status404NotFound, StatusCodes.Status409Conflict, StatusCodes.Status503ServiceUnavailable);

        app.MapPost("/api/services/{name}/rollback", async (string name, HttpContext context) =>
        {
            var (body, problem) = await ApiResults.ReadAsync(context.Request, BatonJson.Default.RollbackRequest, optional: true);
            if (problem is not null)
            {
                await problem.ExecuteAsync(context);
                return;
            }
            if (!Known(name))
            {
                await ApiResults.NotFound(name).ExecuteAsync(context);
                return;
            }
            await DockerAsync(context, deployers, time, stopping, (deployer, report) => deployer.RollbackAsync(name, body?.To, Caller.NameOf(context), (k, m) => report(k, m), stopping));
        }).RequireRole(Role.Deployer).Audited("rollback")
            .Doc("rollbackService", "Go back to an earlier release (the one before the live one, or to), instantly while it is kept.")
            .Body<RollbackRequest>(optional: true).Events().Errors(StatusCodes.Status400BadRequest, StatusCodes.Status404NotFound, StatusCodes.Status409Conflict, StatusCodes.Status415UnsupportedMediaType, StatusCodes.Status503ServiceUnavailable);

        app.MapGet("/api/services/{name}/history", (string name, int? limit) =>
        {
            var rows = deployers.Store.History(name, Math.Clamp(limit ?? 50, 1, 500)).Select(ToView).ToList();
            if (rows.Count == 0 && deployers.Store.GetService(name) is null && !router.Routes(name)) return ApiResults.NotFound(name);
            return Results.Json(new HistoryResponse(name, rows), BatonJson.Default.HistoryResponse);
        }).RequireRole(Role.Viewer)
            .Doc("getHistory", "The service's deployments, newest first: who, what, when, each step, how it ended.")
            .Produces<HistoryResponse>().Errors(StatusCodes.Status400BadRequest, StatusCodes.Status404NotFound);

        // Releases: the history says which went live, the engine's containers which are kept, the router which is live.
        app.MapGet("/api/services/{name}/releases", async (string name, CancellationToken ct) =>
        {
            if (!Known(name)) return ApiResults.NotFound(name);
            // Targets started elsewhere have no releases of Baton's (it never ran their containers).
            if (deployers.Store.GetService(name) is null)
                return Results.Json(new ReleasesResponse(name, []), BatonJson.Default.ReleasesResponse);
            var (deployer, error) = await deployers.GetAsync(ct);
            if (deployer is null)
                return ApiResults.Error(StatusCodes.Status503ServiceUnavailable, $"Listing releases needs the Docker engine, to tell kept releases from gone ones: {error}");
            var listed = await deployer.ReleasesAsync(name, ct);
            if (!listed.TryGetValue(out var releases, out var dockerError))
                return ApiResults.Error(StatusCodes.Status503ServiceUnavailable, $"The Docker engine did not list the containers of {name}: {dockerError.Message}");
            return Results.Json(new ReleasesResponse(name, releases.Select(r => new ReleaseView(r.Release, r.Image, r.Digest, r.State, r.Color, r.DeployedAt, r.DeployedBy)).ToList()),
                BatonJson.Default.ReleasesResponse);
        }).RequireRole(Role.Viewer)
            .Doc("listReleases", "The service's releases, newest first: live, kept (instant rollback) or gone (only in the history).")
            .Produces<ReleasesResponse>().Errors(StatusCodes.Status404NotFound, StatusCodes.Status503ServiceUnavailable);
    }

    /// <summary>
    /// Runs a Docker deployment command and streams it. Refusals known before any work starts
    /// (unknown service, bad image, lock held, no engine) are answered as plain 4xx errors.
    /// </summary>
    internal static async Task DockerAsync(HttpContext context, DeployerHost deployers, TimeProvider time, CancellationToken stopping,
        Func<Baton.Deploy.Deployer, Action<string, string>, Task<Baton.Deploy.DeployOutcome>> run)
    {
        var (deployer, error) = await deployers.GetAsync(context.RequestAborted);
        if (deployer is null)
        {
            await ApiResults.Error(StatusCodes.Status503ServiceUnavailable, $"Docker deploys need a Docker engine: {error}").ExecuteAsync(context);
            return;
        }
        // Start the operation, and answer with an error rather than a stream when it fails before its first step.
        var first = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        var buffered = new List<(string Kind, string Message)>();
        Action<string, string>? forward = null;
        var gate = new Lock();
        void Report(string kind, string message)
        {
            lock (gate)
            {
                if (forward is not null)
                {
                    forward(kind, message);
                    return;
                }
                buffered.Add((kind, message));
            }
            first.TrySetResult(true);
        }
        var operation = Task.Run(() => run(deployer, Report), CancellationToken.None);
        var winner = await Task.WhenAny(first.Task, operation);
        if (winner == operation && !first.Task.IsCompleted)
        {
            var outcome = await operation;
            if (!outcome.Ok)
            {
                var status = outcome.Failure switch
                {
                    Baton.Deploy.DeployFailure.NotFound => StatusCodes.Status404NotFound,
                    Baton.Deploy.DeployFailure.Conflict => StatusCodes.Status409Conflict,
                    Baton.Deploy.DeployFailure.BadInput => StatusCodes.Status400BadRequest,
                    _ => StatusCodes.Status500InternalServerError,
                };
                await ApiResults.Error(status, outcome.Message).ExecuteAsync(context);
                return;
            }
        }
        await ProgressStream.RunAsync(context, time, async report =>
        {
            lock (gate)
            {
                foreach (var (k, m) in buffered) report(k, m);
                forward = report;
            }
            var outcome = await operation;
            return outcome.Ok ? null : outcome.Message;
        });
    }

    private static DeploymentView ToView(DeploymentRecord d) => new(
        d.Id, d.Kind, d.Image, d.Digest, d.Color, d.Release, d.Author, d.StartedAt, d.FinishedAt, d.Outcome, d.Reason,
        d.Steps.Select(s => new StepView(s.Name, s.FinishedAt is { } f ? Math.Round((f - s.StartedAt).TotalSeconds, 2) : null, s.Outcome, s.Detail)).ToList());
}
