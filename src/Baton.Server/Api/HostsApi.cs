using Baton.Contracts;
using Baton.Hosts.Remote;
using Baton.Hosts.Ssh;
using Baton.Hosts.Store;
using Baton.Server.Audit;
using Baton.Server.Auth;
using Baton.Server.Deployments;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Baton.Server.Api;

/// <summary>
/// The app servers the controller reaches over SSH, each with a key pair of its own bound to one
/// program on the server (the forced command). Adding one makes the key pair, pins the server's
/// host key at first contact and answers the authorized_keys line; no answer ever holds a private
/// key. Adding, re-pinning and removing are admin business; anyone who deploys may check a host.
/// </summary>
internal static class HostsApi
{
    public static void Map(IEndpointRouteBuilder app, HostStore hosts, TimeProvider time, SshTransportOptions ssh, RemoteEngineOptions agent, DeployerHost? deployers = null, CancellationToken stopping = default)
    {
        app.MapGet("/api/hosts", () =>
            Results.Json(new HostsResponse(hosts.List().Select(View).ToList()), BatonJson.Default.HostsResponse))
            .RequireRole(Role.Viewer)
            .Doc("listHosts", "The app servers: SSH target, forced command, authorized_keys line and pinned host key; never a private key.")
            .Produces<HostsResponse>();

        app.MapGet("/api/hosts/{name}", (string name) =>
            hosts.Get(name) is { } host ? Results.Json(View(host), BatonJson.Default.HostView) : UnknownHost(name))
            .RequireRole(Role.Viewer)
            .Doc("getHost", "One app server, as in the list.")
            .Produces<HostView>().Errors(StatusCodes.Status404NotFound);

        app.MapPost("/api/hosts", async (HttpContext context, CancellationToken ct) =>
        {
            var (body, problem) = await ApiResults.ReadAsync(context.Request, BatonJson.Default.HostAddRequest);
            if (problem is not null) return problem;
            var scope = AuditScope.Of(context);
            var name = body!.Name?.Trim() ?? "";
            scope?.Target = $"host {name}";
            // Step 1: everything checked before a key is made or anything stored.
            if (!HostName.IsValid(name, out var nameError)) return ApiResults.Error(StatusCodes.Status400BadRequest, nameError);
            if (!SshTarget.TryParse(body.Ssh?.Trim(), out var target, out var targetError)) return ApiResults.Error(StatusCodes.Status400BadRequest, targetError);
            var command = body.Command ?? AuthorizedKey.DefaultCommand;
            if (!AuthorizedKey.IsValidCommand(command, out var commandError)) return ApiResults.Error(StatusCodes.Status400BadRequest, commandError);
            if (hosts.Get(name) is not null) return Taken(name);
            scope?.Detail = target.ToString();

            // Step 2: the key pair, and first contact, which pins whatever host key the server presents.
            var key = SshKeyPair.Create($"baton@{name}");
            var contact = await SshTransport.FirstContactAsync(name, target, key, ssh, ct);
            var host = new StoredHost(name, target, command, key, contact.HostKey, time.GetUtcNow());
            if (!hosts.Add(host)) return Taken(name);

            // Step 3: logged in, the forced command must answer as Baton's agent.
            var view = await AgentAsync(host, contact, pinned: contact.HostKey is not null, ssh, agent, ct);
            scope?.Detail = $"{target}: {view.Outcome}{(host.HostKey is { } k ? $", pinned {k.Fingerprint}" : "")}";
            return Results.Json(new HostContactResponse(View(host), view), BatonJson.Default.HostContactResponse, statusCode: StatusCodes.Status201Created);
        }).RequireRole(Role.Admin).Audited("host.add")
            .Doc("addHost", "Add an app server: makes its key pair, pins its host key at first contact and answers the authorized_keys line to install, with how the first contact went.")
            .Body<HostAddRequest>().Produces<HostContactResponse>(StatusCodes.Status201Created)
            .Errors(StatusCodes.Status400BadRequest, StatusCodes.Status409Conflict, StatusCodes.Status415UnsupportedMediaType);

        app.MapPost("/api/hosts/{name}/check", async (string name, HttpContext context, CancellationToken ct) =>
        {
            AuditScope.Of(context)?.Target = $"host {name}";
            if (hosts.Get(name) is not { } host) return UnknownHost(name);
            SshContact contact;
            bool pinned = false;
            HostContactView view;
            if (host.HostKey is { } pin)
            {
                using var transport = new SshTransport(name, host.Ssh, host.Key, pin, ssh);
                contact = await transport.CheckAsync(ct);
                view = await AgentAsync(transport, contact, pinned, agent, ct);
            }
            else
            {
                // Never reached so far: this is its first contact, which pins.
                contact = await SshTransport.FirstContactAsync(name, host.Ssh, host.Key, ssh, ct);
                if (contact.HostKey is { } seen)
                {
                    host = hosts.Pin(name, seen) ?? host;
                    pinned = true;
                }
                view = await AgentAsync(host, contact, pinned, ssh, agent, ct);
            }
            // A host that answers again gets rid of what a deploy could not remove while it was unreachable.
            if (view.Outcome == HostOutcomes.Ok && deployers is not null && deployers.Store.ServiceNames().Count > 0)
            {
                var (deployer, _) = await deployers.GetAsync(ct);
                if (deployer is not null) await deployer.SweepAsync(null, ct);
            }
            // The call answers 200 either way; the audit says whether the host works.
            AuditScope.Defer(context)?.Complete(view.Outcome == HostOutcomes.Ok ? AuditLog.Succeeded : AuditLog.Failed,
                view.Outcome + (pinned ? $", pinned {host.HostKey!.Fingerprint}" : ""));
            return Results.Json(new HostContactResponse(View(host), view), BatonJson.Default.HostContactResponse);
        }).RequireRole(Role.Deployer).Audited("host.check")
            .Doc("checkHost", "Log in to an app server with its pinned host key and ping its agent; pins the host key if no contact did yet. The outcome is in the answer.")
            .Produces<HostContactResponse>().Errors(StatusCodes.Status404NotFound);

        if (deployers is not null) MapDrain(app, hosts, deployers, time, stopping);

        app.MapPost("/api/hosts/{name}/repin", async (string name, HttpContext context, CancellationToken ct) =>
        {
            var scope = AuditScope.Of(context);
            scope?.Target = $"host {name}";
            if (hosts.Get(name) is not { } host) return UnknownHost(name);
            var contact = await SshTransport.FirstContactAsync(name, host.Ssh, host.Key, ssh, ct);
            if (contact.HostKey is not { } seen)
                return ApiResults.Error(StatusCodes.Status502BadGateway, $"{contact.Problem!.TrimEnd('.')}; the pinned host key is unchanged.");
            var old = host.HostKey;
            host = hosts.Pin(name, seen) ?? host;
            scope?.Detail = $"{old?.Fingerprint ?? "none"} -> {seen.Fingerprint}";
            var view = await AgentAsync(host, contact, pinned: true, ssh, agent, ct);
            return Results.Json(new HostContactResponse(View(host), view), BatonJson.Default.HostContactResponse);
        }).RequireRole(Role.Admin).Audited("host.repin")
            .Doc("repinHost", "Pin the host key the app server presents now, in place of the pinned one: for a server whose SSH host key was changed on purpose.")
            .Produces<HostContactResponse>().Errors(StatusCodes.Status404NotFound, StatusCodes.Status502BadGateway);

        app.MapDelete("/api/hosts/{name}", (string name, HttpContext context) =>
        {
            AuditScope.Of(context)?.Target = $"host {name}";
            return hosts.Remove(name) ? Results.NoContent() : UnknownHost(name);
        }).RequireRole(Role.Admin).Audited("host.remove")
            .Doc("removeHost", "Forget an app server, its key pair and its pinned host key (remove the authorized_keys line on it too).")
            .Produces(StatusCodes.Status204NoContent).Errors(StatusCodes.Status404NotFound);
    }

    /// <summary>
    /// Drain and resume: streamed like a deploy (each service's steps), audited host.drain and
    /// host.resume with how they ended. The drained mark is stored before anything moves, so no deploy
    /// places a container there meanwhile, and taken back when the drain fails (its services were put back).
    /// </summary>
    private static void MapDrain(IEndpointRouteBuilder app, HostStore hosts, DeployerHost deployers, TimeProvider time, CancellationToken stopping)
    {
        app.MapPost("/api/hosts/{name}/drain", async (string name, HttpContext context) =>
        {
            AuditScope.Of(context)?.Target = $"host {name}";
            if (hosts.Get(name) is not { } host)
            {
                await UnknownHost(name).ExecuteAsync(context);
                return;
            }
            if (host.Drained)
            {
                await ApiResults.Error(StatusCodes.Status409Conflict, $"{name} is already drained; `baton host resume {name}` brings it back.").ExecuteAsync(context);
                return;
            }
            var (ready, error) = await deployers.GetAsync(context.RequestAborted);
            if (ready is null)
            {
                await ApiResults.Error(StatusCodes.Status503ServiceUnavailable, $"Draining a server needs the deployer: {error}").ExecuteAsync(context);
                return;
            }
            hosts.SetDrained(name, true);
            await DeploymentsApi.DockerAsync(context, deployers, time, stopping, async (deployer, report) =>
            {
                var outcome = await deployer.DrainServerAsync(name, Caller.NameOf(context), (k, m) => report(k, m), stopping);
                if (!outcome.Ok)
                {
                    hosts.SetDrained(name, false);
                    await deployers.GetAsync(CancellationToken.None);
                }
                return outcome;
            });
        }).RequireRole(Role.Deployer).Audited("host.drain")
            .Doc("drainHost", "Take an app server out of every pool so it can be rebooted: its replicas leave the live pools (stopped, kept), or a live release that runs only there moves to the other colour; no new container goes there until resumed.")
            .Events().Errors(StatusCodes.Status404NotFound, StatusCodes.Status409Conflict, StatusCodes.Status503ServiceUnavailable);

        app.MapPost("/api/hosts/{name}/resume", async (string name, HttpContext context) =>
        {
            AuditScope.Of(context)?.Target = $"host {name}";
            if (hosts.Get(name) is not { } host)
            {
                await UnknownHost(name).ExecuteAsync(context);
                return;
            }
            if (!host.Drained)
            {
                await ApiResults.Error(StatusCodes.Status409Conflict, $"{name} is not drained; `baton host drain {name}` takes it out of every pool.").ExecuteAsync(context);
                return;
            }
            await DeploymentsApi.DockerAsync(context, deployers, time, stopping, async (deployer, report) =>
            {
                var outcome = await deployer.ResumeServerAsync(name, Caller.NameOf(context), (k, m) => report(k, m), stopping);
                if (outcome.Ok)
                {
                    hosts.SetDrained(name, false);
                    await deployers.GetAsync(CancellationToken.None);
                }
                return outcome;
            });
        }).RequireRole(Role.Deployer).Audited("host.resume")
            .Doc("resumeHost", "Bring a drained app server back: its stopped replicas start, pass their health checks and rejoin their live pools; a release that moved away at the drain stays where it is.")
            .Events().Errors(StatusCodes.Status404NotFound, StatusCodes.Status409Conflict, StatusCodes.Status503ServiceUnavailable);
    }

    /// <summary>After a login, a ping of the agent through the pinned key: the whole path, forced command and config included.</summary>
    private static async Task<HostContactView> AgentAsync(StoredHost host, SshContact contact, bool pinned, SshTransportOptions ssh, RemoteEngineOptions agent, CancellationToken ct)
    {
        if (!contact.Connected || host.HostKey is not { } pin) return new HostContactView(Outcome(contact.Outcome), contact.Problem, pinned, null);
        using var transport = new SshTransport(host.Name, host.Ssh, host.Key, pin, ssh);
        return await AgentAsync(transport, contact, pinned, agent, ct);
    }

    /// <summary>The same, on a transport already logged in.</summary>
    private static async Task<HostContactView> AgentAsync(SshTransport transport, SshContact contact, bool pinned, RemoteEngineOptions agent, CancellationToken ct)
    {
        if (!contact.Connected) return new HostContactView(Outcome(contact.Outcome), contact.Problem, pinned, null);
        var ping = await HostClient.PingAsync(transport, agent, ct);
        if (!ping.TryGetValue(out var info, out var error))
            return new HostContactView(HostOutcomes.AgentFailed,
                $"Baton logged in to {transport.Description}, but its forced command did not answer as `baton host`: {error.Message}", pinned, null);
        return new HostContactView(HostOutcomes.Ok, null, pinned, new HostAgentView(info.Name, info.EngineVersion, info.Address, info.Services, info.Images));
    }

    private static string Outcome(SshContactOutcome outcome) => outcome switch
    {
        SshContactOutcome.Connected => HostOutcomes.Ok,
        SshContactOutcome.KeyRefused => HostOutcomes.KeyRefused,
        SshContactOutcome.HostKeyChanged => HostOutcomes.HostKeyChanged,
        _ => HostOutcomes.Unreachable,
    };

    private static HostView View(StoredHost h) =>
        new(h.Name, h.Ssh.ToString(), h.Command, h.AuthorizedKeysLine, h.HostKey is { } k ? new HostKeyView(k.Algorithm, k.Fingerprint) : null, h.Added, h.Drained);

    private static IResult UnknownHost(string name) =>
        ApiResults.Error(StatusCodes.Status404NotFound, $"There is no host named {name}; `baton host list` lists them.");

    private static IResult Taken(string name) =>
        ApiResults.Error(StatusCodes.Status409Conflict, $"A host named {name} is already added; `baton host remove {name}` first, or pick another name.");
}
