using System.Net;
using System.Net.WebSockets;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Baton.FunctionalTests.Infrastructure;

/// <summary>
/// A real Kestrel app standing in for one release of a user's service, on 127.0.0.1 and a port of
/// its own. Every response names the backend (body and <c>X-Backend</c>) so tests see who answered.
/// </summary>
/// <remarks>
/// Endpoints: <c>/health</c> (200, or 503 while <see cref="Healthy"/> is false); <c>/headers</c>
/// (the request headers as <c>name: value</c> lines); <c>/slow?ms=N</c>; <c>/sse?count=N</c>
/// (first event at once, the rest after <see cref="ReleaseSse"/>; count 0 streams until aborted);
/// <c>/ws</c> (WebSocket echo); <c>/upload</c> (answers <c>length sha256</c> of the body);
/// <c>/download?bytes=N</c> (deterministic bytes); <c>/cookie</c> (sets <c>session=abc</c>); <c>/status/N</c>; anything else: the name, and for
/// a request with a body, <c>name:length</c>.
/// </remarks>
public sealed class Backend : IAsyncDisposable
{
    private readonly WebApplication _app;
    private int _requests;
    private int _slowStarted;
    private volatile TaskCompletionSource _sseRelease = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private Backend(string name, WebApplication app)
    {
        Name = name;
        _app = app;
    }

    public string Name { get; }
    public int Port { get; private set; }
    public string Address => $"127.0.0.1:{Port}";
    public volatile bool Healthy = true;

    /// <summary>Requests other than health probes.</summary>
    public int Requests => Volatile.Read(ref _requests);

    /// <summary>Requests to <c>/slow</c> and <c>/sse</c> that have reached this backend.</summary>
    public int SlowStarted => Volatile.Read(ref _slowStarted);

    public void ReleaseSse() => _sseRelease.TrySetResult();

    public static async Task<Backend> StartAsync(string name, int port = 0)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Limits.MaxRequestBodySize = null;
            k.Listen(IPAddress.Loopback, port);
        });
        var app = builder.Build();
        var backend = new Backend(name, app);
        app.UseWebSockets();
        app.Run(backend.HandleAsync);
        await app.StartAsync();
        var url = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        backend.Port = new Uri(url).Port;
        return backend;
    }

    /// <summary>Stops listening and closes its connections, as when the process ends.</summary>
    public async Task StopAsync()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(1));
        try
        {
            await _app.StopAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        _sseRelease.TrySetResult();
        await StopAsync();
        await _app.DisposeAsync();
    }

    private async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        var response = context.Response;
        var path = request.Path.Value ?? "/";
        if (path == "/health")
        {
            response.StatusCode = Healthy ? 200 : 503;
            await response.WriteAsync(Healthy ? "ok" : "failing");
            return;
        }
        Interlocked.Increment(ref _requests);
        response.Headers["X-Backend"] = Name;
        response.Headers["X-Path"] = context.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpRequestFeature>()?.RawTarget;

        if (path == "/headers")
        {
            var sb = new StringBuilder();
            foreach (var h in request.Headers) sb.Append(h.Key.ToLowerInvariant()).Append(": ").Append(h.Value.ToString()).Append('\n');
            await response.WriteAsync(sb.ToString());
        }
        else if (path == "/slow")
        {
            Interlocked.Increment(ref _slowStarted);
            var ms = int.Parse(request.Query["ms"].FirstOrDefault() ?? "1000", System.Globalization.CultureInfo.InvariantCulture);
            await Task.Delay(ms, context.RequestAborted);
            await response.WriteAsync($"{Name} slow done");
        }
        else if (path == "/sse")
        {
            Interlocked.Increment(ref _slowStarted);
            var count = int.Parse(request.Query["count"].FirstOrDefault() ?? "3", System.Globalization.CultureInfo.InvariantCulture);
            response.ContentType = "text/event-stream";
            await response.WriteAsync($"data: {Name} 1\n\n");
            await response.Body.FlushAsync();
            if (count == 0)
            {
                // Endless: one event every 100 ms until the client (or the proxy) goes away.
                for (int i = 2; !context.RequestAborted.IsCancellationRequested; i++)
                {
                    try
                    {
                        await Task.Delay(100, context.RequestAborted);
                        await response.WriteAsync($"data: {Name} {i}\n\n", context.RequestAborted);
                        await response.Body.FlushAsync(context.RequestAborted);
                    }
                    catch (Exception e) when (e is OperationCanceledException or IOException)
                    {
                        return;
                    }
                }
                return;
            }
            await _sseRelease.Task.WaitAsync(context.RequestAborted);
            for (int i = 2; i <= count; i++)
            {
                await response.WriteAsync($"data: {Name} {i}\n\n");
                await response.Body.FlushAsync();
            }
        }
        else if (path == "/ws" && context.WebSockets.IsWebSocketRequest)
        {
            Interlocked.Increment(ref _slowStarted);
            using var ws = await context.WebSockets.AcceptWebSocketAsync();
            var buffer = new byte[64 * 1024];
            using var message = new MemoryStream();
            try
            {
                while (true)
                {
                    var r = await ws.ReceiveAsync(buffer, context.RequestAborted);
                    if (r.MessageType == WebSocketMessageType.Close)
                    {
                        if (ws.State == WebSocketState.CloseReceived)
                            await ws.CloseOutputAsync(r.CloseStatus ?? WebSocketCloseStatus.NormalClosure, r.CloseStatusDescription, CancellationToken.None);
                        return;
                    }
                    message.Write(buffer, 0, r.Count);
                    if (!r.EndOfMessage) continue;
                    var text = Encoding.UTF8.GetString(message.ToArray());
                    message.SetLength(0);
                    await ws.SendAsync(Encoding.UTF8.GetBytes($"{Name}: {text}"), r.MessageType, true, context.RequestAborted);
                }
            }
            catch (Exception e) when (e is WebSocketException or OperationCanceledException or IOException)
            {
            }
        }
        else if (path == "/upload")
        {
            using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            var buffer = new byte[64 * 1024];
            long length = 0;
            int read;
            while ((read = await request.Body.ReadAsync(buffer)) > 0)
            {
                sha.AppendData(buffer, 0, read);
                length += read;
            }
            await response.WriteAsync($"{length} {Convert.ToHexString(sha.GetHashAndReset())}");
        }
        else if (path == "/download")
        {
            var bytes = long.Parse(request.Query["bytes"].FirstOrDefault() ?? "1000", System.Globalization.CultureInfo.InvariantCulture);
            response.ContentType = "application/octet-stream";
            if (request.Query.ContainsKey("length")) response.ContentLength = bytes;
            await TestData.WriteAsync(response.Body, bytes, context.RequestAborted);
        }
        else if (path == "/hop")
        {
            // Hop-by-hop response headers: X-Hop is made hop-by-hop by naming it in Connection.
            response.Headers.Connection = "X-Hop";
            response.Headers["X-Hop"] = "1";
            response.Headers["Keep-Alive"] = "timeout=5";
            response.Headers["X-End-To-End"] = "kept";
            await response.WriteAsync(Name);
        }
        else if (path == "/cookie")
        {
            response.Headers.SetCookie = "session=abc; Path=/";
            await response.WriteAsync(Name);
        }
        else if (path.StartsWith("/status/", StringComparison.Ordinal))
        {
            response.StatusCode = int.Parse(path[8..], System.Globalization.CultureInfo.InvariantCulture);
            await response.WriteAsync(Name);
        }
        else
        {
            long length = 0;
            if (request.ContentLength > 0 || request.Headers.ContainsKey("Transfer-Encoding"))
            {
                var buffer = new byte[16 * 1024];
                int read;
                while ((read = await request.Body.ReadAsync(buffer)) > 0) length += read;
                await response.WriteAsync($"{Name}:{length}");
            }
            else
            {
                await response.WriteAsync(Name);
            }
        }
    }
}
