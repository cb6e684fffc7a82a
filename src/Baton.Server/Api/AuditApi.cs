using Baton.Contracts;
using Baton.Server.Audit;
using Baton.Server.Auth;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Baton.Server.Api;

/// <summary><c>GET /api/audit?limit=100&amp;service=shop</c>: the audit log, newest first.</summary>
internal static class AuditApi
{
    public static void Map(IEndpointRouteBuilder app, AuditLog audit)
    {
        app.MapGet("/api/audit", (int? limit, string? service) =>
            Results.Json(new AuditResponse(audit.Read(string.IsNullOrWhiteSpace(service) ? null : service.Trim(), Math.Clamp(limit ?? 100, 1, 1000))), BatonJson.Default.AuditResponse))
            .RequireRole(Role.Viewer)
            .Doc("getAudit", "The audit log, newest first: who did what, to which service, and how it ended.")
            .Produces<AuditResponse>().Errors(StatusCodes.Status400BadRequest);
    }
}
