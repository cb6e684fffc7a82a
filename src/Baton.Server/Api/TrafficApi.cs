using Baton.Contracts;
using Baton.Router.Metrics;
using Baton.Server.Auth;
using Baton.Server.Deployments;
using Baton.Server.RouterLink;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Baton.Server.Api;

/// <summary>The page's charts: a service's traffic per colour over the last 15 minutes, with its deploy markers.</summary>
internal static class TrafficApi
{
    /// <summary>Deployments read from the history for the markers: far more than 15 minutes hold.</summary>
    private const int HistoryRows = 50;

    public static void Map(IEndpointRouteBuilder app, IRouterAccess router, DeployerHost deployers, TimeProvider time)
    {
        app.MapGet("/api/services/{name}/traffic", (string name) =>
        {
            var series = router.Traffic(name);
            if (series is null && deployers.Store.GetService(name) is null && !router.Routes(name)) return ApiResults.NotFound(name);
            var to = time.GetUtcNow();
            series ??= new TrafficResponse(name, TrafficSeries.StepSeconds, TrafficSeries.WindowSeconds, to - TimeSpan.FromSeconds(TrafficSeries.WindowSeconds), to, [], []);
            var markers = TrafficMarkers.From(deployers.Store.History(name, HistoryRows), series.From);
            return Results.Json(series with { Markers = markers }, BatonJson.Default.TrafficResponse);
        }).RequireRole(Role.Viewer)
            .Doc("getTraffic", "Requests/s, error rate and p95 per colour over the last 15 minutes in 5 s steps (kept in memory by the router: empty after it starts), with a marker at each deploy, switch, rollback, canary step and watch, and the numbers each judgement compared.")
            .Produces<TrafficResponse>().Errors(StatusCodes.Status404NotFound);
    }
}
