using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Baton.Registry.Tests.Infrastructure;

/// <summary>One request as a hostile server saw it: path and query, and the Authorization sent (null when none).</summary>
public sealed record SeenRequest(string PathAndQuery, string? Authorization);

/// <summary>
/// A Kestrel server on one loopback address (127.0.0.x, port 0) that answers with whatever the
/// test says, and records every request it got with its Authorization header: a registry, a
/// token server or an internal service playing its part in an attack on the registry client.
/// </summary>
public sealed class HostileServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<SeenRequest> _seen = new();

    private HostileServer(WebApplication app) => _app = app;

    public Uri BaseUri { get; private set; } = null!;

    /// <summary>host:port, as an image reference names a registry.</summary>
    public string Host => BaseUri.Authority;

    public IReadOnlyList<SeenRequest> Seen => _seen.ToList();

    public static async Task<HostileServer> StartAsync(string address, Func<HttpContext, Task> answer)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Parse(address), 0));
        var app = builder.Build();
        var server = new HostileServer(app);
        app.Run(context =>
        {
            var auth = context.Request.Headers.Authorization.ToString();
            server._seen.Enqueue(new SeenRequest(context.Request.Path + context.Request.QueryString, auth.Length == 0 ? null : auth));
            return answer(context);
        });
        await app.StartAsync();
        var bound = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        server.BaseUri = new Uri(bound.EndsWith('/') ? bound : bound + "/");
        return server;
    }

    /// <summary>Answers a redirect to <paramref name="location"/>.</summary>
    public static Task Redirect(HttpContext context, string location, int status = 307)
    {
        context.Response.StatusCode = status;
        context.Response.Headers.Location = location;
        return Task.CompletedTask;
    }

    public static Task Json(HttpContext context, string json, int status = 200)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        return context.Response.WriteAsync(json);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
