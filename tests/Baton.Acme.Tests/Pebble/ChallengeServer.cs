using System.Net;
using Baton.Acme.Issuance;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Baton.Acme.Tests.Pebble;

/// <summary>
/// The http-01 side for the client tests: a Kestrel on 127.0.0.1 that answers
/// <c>/.well-known/acme-challenge/TOKEN</c> from <see cref="Responses"/> (Baton's router does this
/// in the server). <see cref="WrongAnswers"/> makes it serve a wrong key authorization instead.
/// </summary>
internal sealed class ChallengeServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private ChallengeServer(WebApplication app) => _app = app;

    public ChallengeResponses Responses { get; } = new();

    public bool WrongAnswers { get; set; }

    public int Port { get; private set; }

    /// <summary>How many validation requests reached it.</summary>
    public int Requests;

    public static async Task<ChallengeServer> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var server = new ChallengeServer(app);
        app.Run(context =>
        {
            Interlocked.Increment(ref server.Requests);
            if (!server.Responses.TryAnswer(context.Request.Path.Value ?? "", out var answer))
            {
                context.Response.StatusCode = 404;
                return Task.CompletedTask;
            }
            context.Response.ContentType = "application/octet-stream";
            return context.Response.WriteAsync(server.WrongAnswers ? answer + "-not-this" : answer);
        });
        await app.StartAsync();
        server.Port = new Uri(app.Urls.First()).Port;
        return server;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
