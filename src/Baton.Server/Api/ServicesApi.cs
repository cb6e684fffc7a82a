using Baton.Contracts;
using Baton.Deploy.Rollouts;
using Baton.Deploy.Store;
using Baton.Router;
using Baton.Router.Metrics;
using Baton.Router.Routing;
using Baton.Server.Audit;
using Baton.Server.Auth;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

using Baton.Server.RouterLink;

namespace Baton.Server.Api;

/// <summary>Status, pause, resume, maintenance, canary share, remove, and the Prometheus metrics.</summary>
internal static class ServicesApi
{
    /// <param name="degraded">Whether a live release crash-loops (the deployer's view of the engine); null without one.</param>
    public static void Map(IEndpointRouteBuilder app, IRouterAccess router, DeployStore store, Func<int?> publicPort, RolloutBoard rollouts, Func<string, DegradedStatus?>? degraded = null)
    {
        // The router knows pools and shares; a running canary or rolling deploy adds its step.
        ServiceStatus WithRollout(ServiceStatus s)
        {
            s = s with { RouterAnswers = router.AnswersOf(s.Name) };
            return (rollouts.Status(s.Name) is { } r ? s with { Rollout = r } : s) with { Degraded = degraded?.Invoke(s.Name) };
        }

        app.MapGet("/healthz", () => Results.Text("ok\n")).AllowAnyone()
            .Doc("getHealth", "Liveness probe: answers ok while the server runs.").Produces<string>(StatusCodes.Status200OK, "text/plain");

        app.MapGet("/metrics", () => Results.Text(router.Metrics(), PrometheusWriter.ContentType)).RequireRole(Role.Viewer)
            .Doc("getMetrics", "The router's counters in the Prometheus text format.").Produces<string>(StatusCodes.Status200OK, PrometheusWriter.ContentType);

        app.MapGet("/api/status", () =>
        {
            var all = router.Status();
            return Results.Json(PoolReleases.Add(all with { Services = all.Services.Select(WithRollout).ToList() }, store, publicPort()), BatonJson.Default.StatusResponse);
        }).RequireRole(Role.Viewer)
            .Doc("getStatus", "Every service: pools, targets and their health, requests in flight, the last minute's counts.").Produces<StatusResponse>();

        app.MapGet("/api/services", () => Results.Json(new AppliedServicesResponse(store.ServiceNames()), BatonJson.Default.AppliedServicesResponse)).RequireRole(Role.Viewer)
            .Doc("listServices", "The services applied from a baton.yml, deployed or not.").Produces<AppliedServicesResponse>();

        app.MapGet("/api/services/{name}", (string name) =>
            router.Status(name) is { } s ? Results.Json(PoolReleases.Add(WithRollout(s), store), BatonJson.Default.ServiceStatus)
            // Applied but never live: say so rather than "no service named".
            : store.GetService(name) is not null ? ApiResults.Error(StatusCodes.Status404NotFound, $"{name} is applied but was never deployed (nothing is routed to it yet); deploy it with: baton deploy {name} --image REPO:TAG.")
            : ApiResults.NotFound(name)).RequireRole(Role.Viewer)
            .Doc("getService", "One service's status.").Produces<ServiceStatus>().Errors(StatusCodes.Status404NotFound);

        app.MapPost("/api/services/{name}/pause", async (string name, HttpRequest request) =>
        {
            var (body, problem) = await ApiResults.ReadAsync(request, BatonJson.Default.PauseRequest, optional: true);
            if (problem is not null) return problem;
            var error = Durations.Parse(body?.Max, "Pause maximum", RouterAdmin.DefaultPauseMax, out var max);
            if (error is null && max <= TimeSpan.Zero) error = "Pause maximum must be more than 0s.";
            AuditScope.Of(request.HttpContext)?.Detail = $"max {Durations.Format(max)}";
            return ApiResults.FromError(error ?? router.Pause(name, max));
        }).RequireRole(Role.Deployer).Audited("pause")
            .Doc("pauseService", "Hold the service's new requests (they wait, not fail) for at most max (default 30s).")
            .Body<PauseRequest>(optional: true).Produces(StatusCodes.Status204NoContent).Errors(StatusCodes.Status400BadRequest, StatusCodes.Status404NotFound, StatusCodes.Status415UnsupportedMediaType);

        app.MapPost("/api/services/{name}/resume", (string name) => ApiResults.FromError(router.Resume(name))).RequireRole(Role.Deployer).Audited("resume")
            .Doc("resumeService", "Release the requests held by pause.").Produces(StatusCodes.Status204NoContent).Errors(StatusCodes.Status404NotFound);

        app.MapPost("/api/services/{name}/maintenance", async (string name, HttpRequest request) =>
        {
            var (body, problem) = await ApiResults.ReadAsync(request, BatonJson.Default.MaintenanceRequest);
            if (problem is not null) return problem;
            if (body!.On is not { } on) return ApiResults.Error(StatusCodes.Status400BadRequest, "Say whether maintenance goes on or off: give \"on\": true or false.");
            AuditScope.Of(request.HttpContext)?.Detail = on ? "on" : "off";
            return ApiResults.FromError(router.Maintenance(name, on, body.Message));
        }).RequireRole(Role.Deployer).Audited("maintenance")
            .Doc("setMaintenance", "Turn the maintenance page (503 with the message) on or off.")
            .Body<MaintenanceRequest>().Produces(StatusCodes.Status204NoContent).Errors(StatusCodes.Status400BadRequest, StatusCodes.Status404NotFound, StatusCodes.Status415UnsupportedMediaType);

        app.MapPost("/api/services/{name}/canary", async (string name, HttpRequest request) =>
        {
            var (body, problem) = await ApiResults.ReadAsync(request, BatonJson.Default.CanaryRequest);
            if (problem is not null) return problem;
            if (body!.Percent is not { } percent) return ApiResults.Error(StatusCodes.Status400BadRequest, "Give the candidate's share as \"percent\", from 0 to 100.");
            AuditScope.Of(request.HttpContext)?.Detail = $"{percent}%";
            return ApiResults.FromError(router.SetCanary(name, percent));
        }).RequireRole(Role.Deployer).Audited("canary")
            .Doc("setCanaryShare", "Send a sticky share of clients (0–100 %) to the candidate pool.")
            .Body<CanaryRequest>().Produces(StatusCodes.Status204NoContent).Errors(StatusCodes.Status400BadRequest, StatusCodes.Status404NotFound, StatusCodes.Status415UnsupportedMediaType);
    }
}
