using Baton.Contracts;
using Baton.Hosts.Ssh;
using Baton.Hosts.Store;
using Baton.Server.Audit;
using Baton.Server.Auth;
using Baton.Server.RouterLink;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Baton.Server.Api;

/// <summary>
/// The routers this controller switches together: its own (<c>local</c>) and each router host
/// added here, reached over SSH with a key of its own whose forced command is
/// <c>baton router link</c> (so the key can do router operations and nothing else). Adding one
/// makes the key pair, pins the host key at first contact and answers the authorized_keys line.
/// </summary>
internal static class RoutersApi
{
    public static void Map(IEndpointRouteBuilder app, MultiRouter routers, HostStore hosts, TimeProvider time, SshTransportOptions ssh)
    {
        app.MapGet("/api/routers", async () => Results.Json(new RoutersResponse(await routers.ViewsAsync()), BatonJson.Default.RoutersResponse))
            .RequireRole(Role.Viewer)
            .Doc("listRouters", "Every router a switch lands on — this controller's own (local) and each router host — as it answers now: reachable, its router process, and the pool each service is live on there.")
            .Produces<RoutersResponse>();

        app.MapPost("/api/routers", async (HttpContext context, CancellationToken ct) =>
        {
            var (body, problem) = await ApiResults.ReadAsync(context.Request, BatonJson.Default.HostAddRequest);
            if (problem is not null) return problem;
            var scope = AuditScope.Of(context);
            var name = body!.Name?.Trim() ?? "";
            scope?.Target = $"router {name}";
            // Step 1: everything checked before a key is made or anything stored.
            if (!HostName.IsValid(name, out var nameError)) return ApiResults.Error(StatusCodes.Status400BadRequest, nameError.Replace("host name", "router name", StringComparison.Ordinal));
            if (name == MultiRouter.LocalName) return ApiResults.Error(StatusCodes.Status400BadRequest, $"'{MultiRouter.LocalName}' is this controller's own router; give the router host another name.");
            if (!SshTarget.TryParse(body.Ssh?.Trim(), out var target, out var targetError)) return ApiResults.Error(StatusCodes.Status400BadRequest, targetError);
            var command = body.Command ?? MultiRouter.DefaultCommand;
            if (!AuthorizedKey.IsValidCommand(command, out var commandError)) return ApiResults.Error(StatusCodes.Status400BadRequest, commandError);
            if (hosts.Get(name) is not null) return Taken(name);
            scope?.Detail = target.ToString();

            // Step 2: the key pair, and first contact, which pins whatever host key the server presents.
            var key = SshKeyPair.Create($"baton@{name}");
            var contact = await SshTransport.FirstContactAsync(name, target, key, ssh, ct);
            var router = new StoredHost(name, target, command, key, contact.HostKey, time.GetUtcNow());
            if (!hosts.Add(router)) return Taken(name);

            // Step 3: logged in, the forced command must answer as a router's link.
            var view = contact.Connected ? (await routers.ViewsAsync(name))[0] : Unreached(router, contact.Problem);
            scope?.Detail = $"{target}: {(view.Reachable ? "ok" : "not reachable yet")}{(router.HostKey is { } k ? $", pinned {k.Fingerprint}" : "")}";
            return Results.Json(new RouterAddResponse(View(router), view), BatonJson.Default.RouterAddResponse, statusCode: StatusCodes.Status201Created);
        }).RequireRole(Role.Admin).Audited("router.add")
            .Doc("addRouter", "Add a router host: makes its key pair, pins its host key at first contact and answers the authorized_keys line to install (forced command `baton router link`), with how the first contact went.")
            .Body<HostAddRequest>().Produces<RouterAddResponse>(StatusCodes.Status201Created)
            .Errors(StatusCodes.Status400BadRequest, StatusCodes.Status409Conflict, StatusCodes.Status415UnsupportedMediaType);

        app.MapPost("/api/routers/{name}/check", async (string name, HttpContext context, CancellationToken ct) =>
        {
            AuditScope.Of(context)?.Target = $"router {name}";
            if (hosts.Get(name) is not { } router) return Unknown(name);
            if (router.HostKey is null)
            {
                // Never reached so far: this is its first contact, which pins.
                var contact = await SshTransport.FirstContactAsync(name, router.Ssh, router.Key, ssh, ct);
                if (contact.HostKey is { } seen) router = hosts.Pin(name, seen) ?? router;
                if (!contact.Connected)
                {
                    AuditScope.Defer(context)?.Complete(AuditLog.Failed, contact.Problem ?? "not reachable");
                    return Results.Json(Unreached(router, contact.Problem), BatonJson.Default.RouterView);
                }
            }
            var view = (await routers.ViewsAsync(name))[0];
            AuditScope.Defer(context)?.Complete(view.Reachable ? AuditLog.Succeeded : AuditLog.Failed, view.Reachable ? $"router PID {view.Pid}" : view.Problem ?? "");
            return Results.Json(view, BatonJson.Default.RouterView);
        }).RequireRole(Role.Deployer).Audited("router.check")
            .Doc("checkRouter", "Log in to a router host with its pinned host key and ask its router process through `baton router link`; pins the host key if no contact did yet.")
            .Produces<RouterView>().Errors(StatusCodes.Status404NotFound);

        app.MapDelete("/api/routers/{name}", (string name, HttpContext context) =>
        {
            AuditScope.Of(context)?.Target = $"router {name}";
            return hosts.Remove(name) ? Results.NoContent() : Unknown(name);
        }).RequireRole(Role.Admin).Audited("router.remove")
            .Doc("removeRouter", "Forget a router host, its key pair and its pinned host key: switches no longer go to it (it keeps serving its last state; remove the authorized_keys line on it too).")
            .Produces(StatusCodes.Status204NoContent).Errors(StatusCodes.Status404NotFound);
    }

    private static RouterView Unreached(StoredHost router, string? problem) =>
        new(router.Name, router.Ssh.ToString(), false, problem, null, [], router.HostKey is { } k ? new HostKeyView(k.Algorithm, k.Fingerprint) : null);

    private static HostView View(StoredHost h) =>
        new(h.Name, h.Ssh.ToString(), h.Command, h.AuthorizedKeysLine, h.HostKey is { } k ? new HostKeyView(k.Algorithm, k.Fingerprint) : null, h.Added);

    private static IResult Unknown(string name) =>
        ApiResults.Error(StatusCodes.Status404NotFound, $"There is no router named {name}; `baton router list` lists them.");

    private static IResult Taken(string name) =>
        ApiResults.Error(StatusCodes.Status409Conflict, $"A router named {name} is already added; `baton router remove {name}` first, or pick another name.");
}
