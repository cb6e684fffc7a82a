using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Baton.Packaging.Tests.Infrastructure;

/// <summary>A real Kestrel app on 127.0.0.1 that a <c>--target</c> deploy points Baton at; it answers its name.</summary>
public sealed class Backend : IAsyncDisposable
{
    private readonly WebApplication _app;

    private Backend(WebApplication app, string body)
    {
        _app = app;
        Body = body;
    }

    public string Body { get; }
    public string Address => _app.Urls.First().Replace("http://", "", StringComparison.Ordinal);

    public static async Task<Backend> StartAsync(string body)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        app.MapGet("/", () => body);
        app.MapGet("/health", () => Results.Ok());
        await app.StartAsync();
        return new Backend(app, body);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
