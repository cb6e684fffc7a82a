using System.Text.RegularExpressions;
using Baton.Deploy.Logs;
using Baton.Server.Auth;
using Baton.Server.Deployments;
using Baton.Server.RouterLink;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Baton.Server.Api;

/// <summary>The container logs of a service (<c>baton logs</c>): every replica on every engine, prefixed, optionally followed.</summary>
internal static partial class LogsApi
{
    /// <summary>Lines each container gives when the caller names no tail.</summary>
    public const int DefaultTail = 100;

    /// <summary>How often a follow asks the engines for new lines (and new containers).</summary>
    public static readonly TimeSpan FollowInterval = TimeSpan.FromSeconds(1);

    public static void Map(IEndpointRouteBuilder app, IRouterAccess router, DeployerHost deployers, TimeProvider time, CancellationToken stopping)
    {
        app.MapGet("/api/services/{name}/logs", async (string name, int? tail, string? release, bool? follow, HttpContext context) =>
        {
            if (tail is < 0 or > ServiceLogs.MaxTail)
            {
                await ApiResults.Error(StatusCodes.Status400BadRequest, $"tail must be 0 to {ServiceLogs.MaxTail:N0} lines per container, not {tail}.").ExecuteAsync(context);
                return;
            }
            if (release is not null && !ReleaseId().IsMatch(release))
            {
                await ApiResults.Error(StatusCodes.Status400BadRequest, $"'{(release.Length > 40 ? release[..40] + "…" : release)}' is not a release id; `baton releases {name}` lists them (e.g. r3).").ExecuteAsync(context);
                return;
            }
            if (deployers.Store.GetService(name) is null)
            {
                await (router.Routes(name)
                    ? ApiResults.Error(StatusCodes.Status404NotFound, $"{name}'s targets were started by something else, not by Baton: it has no containers of Baton's to read logs from.")
                    : ApiResults.NotFound(name)).ExecuteAsync(context);
                return;
            }
            using var ended = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, stopping);
            var ct = ended.Token;
            var (engine, error) = await deployers.EngineAsync(ct);
            if (engine is null)
            {
                await ApiResults.Error(StatusCodes.Status503ServiceUnavailable, $"Reading container logs needs the Docker engine: {error}").ExecuteAsync(context);
                return;
            }
            var logs = new ServiceLogs(engine, name, release);
            var listed = await logs.ContainersAsync(ct);
            if (!listed.TryGetValue(out var containers, out var dockerError))
            {
                await ApiResults.Error(StatusCodes.Status503ServiceUnavailable, $"The engines did not list the containers of {name}: {dockerError.Message}").ExecuteAsync(context);
                return;
            }
            if (containers.Count == 0)
            {
                await ApiResults.Error(StatusCodes.Status404NotFound, release is null
                    ? $"{name} has no running containers; `baton releases {name}` lists its releases, and --release R reads a stopped one's logs."
                    : $"{name} has no containers of release {release} (never deployed, or its containers were removed); `baton releases {name}` lists the kept ones.").ExecuteAsync(context);
                return;
            }

            context.Response.StatusCode = StatusCodes.Status200OK;
            context.Response.ContentType = "text/plain; charset=utf-8";
            context.Response.Headers.CacheControl = "no-cache";
            // Proxies in front of the admin listener must pass a follow's lines on as they come.
            context.Response.Headers["X-Accel-Buffering"] = "no";
            await context.Response.StartAsync(ct);
            try
            {
                await foreach (var line in logs.ReadAsync(containers, tail ?? DefaultTail, follow == true, FollowInterval, time, ct))
                    await context.Response.WriteAsync(line + "\n", ct);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                // The client quit a follow, or Baton is stopping: the stream just ends.
            }
        }).RequireRole(Role.Deployer)
            .Doc("getLogs", "The container logs of the service's running containers (or of one release's, running or not): the last tail lines of each (default 100, at most 10,000), prefixed with the container's name and merged by time; follow=true goes on with new lines until the client closes.")
            .Produces<string>(StatusCodes.Status200OK, "text/plain")
            .Errors(StatusCodes.Status400BadRequest, StatusCodes.Status404NotFound, StatusCodes.Status503ServiceUnavailable);
    }

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")]
    private static partial Regex ReleaseId();
}
