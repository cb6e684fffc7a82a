// The sample app Baton's demo, tests and benchmarks deploy: a health endpoint, a version
// endpoint, a slow endpoint, a streamed endpoint, a WebSocket echo and a switch to start failing.
// It listens on $BIND:$PORT (127.0.0.1:5000 by default) and says which VERSION it is.
// GET /dependency answers with what DEPENDENCY_URL answers (the compose sample's web reaching its
// dependency by service name). `SampleApp migrate` is a release task (exit 1 when MIGRATE_FAIL=1); `SampleApp work` is a
// background worker that logs a line a second until SIGTERM. CRASH_AFTER (a duration such as 5s)
// and CRASH_AFTER_REQUESTS (a count of requests other than /health) make a release that passes its
// health checks and then dies: it is killed outright (exit 137), like a process that crashes.
using System.Net.WebSockets;

var version = Environment.GetEnvironmentVariable("VERSION") ?? "v1";
var port = Environment.GetEnvironmentVariable("PORT") ?? "5000";
var bind = Environment.GetEnvironmentVariable("BIND") ?? "127.0.0.1";

if (args is ["migrate", ..])
{
    Console.WriteLine($"migrating to {version}");
    if (Environment.GetEnvironmentVariable("MIGRATE_FAIL") == "1")
    {
        Console.Error.WriteLine($"migration to {version} failed: table orders is locked");
        return 1;
    }
    Console.WriteLine($"migrated to {version}");
    return 0;
}
if (args is ["work", ..])
{
    using var stop = new CancellationTokenSource();
    Console.CancelKeyPress += (_, e) => { e.Cancel = true; stop.Cancel(); };
    using var term = System.Runtime.InteropServices.PosixSignalRegistration.Create(
        System.Runtime.InteropServices.PosixSignal.SIGTERM, c => { c.Cancel = true; stop.Cancel(); });
    for (long i = 0; !stop.IsCancellationRequested; i++)
    {
        Console.WriteLine($"worker {version} tick {i}");
        try { await Task.Delay(1000, stop.Token); } catch (OperationCanceledException) { }
    }
    Console.WriteLine($"worker {version} stopped");
    return 0;
}
var failing = Environment.GetEnvironmentVariable("FAIL") == "1";
var unhealthy = Environment.GetEnvironmentVariable("UNHEALTHY") == "1";

var crashAfter = Environment.GetEnvironmentVariable("CRASH_AFTER") is { Length: > 0 } crashText ? ParseDuration(crashText) : (TimeSpan?)null;
long crashAfterRequests = long.TryParse(Environment.GetEnvironmentVariable("CRASH_AFTER_REQUESTS"), out var n) ? n : 0;
void Crash(string why)
{
    Console.Error.WriteLine($"{version} crashing: {why}");
    Console.Error.Flush();
    System.Diagnostics.Process.GetCurrentProcess().Kill();
}
if (crashAfter is { } after)
{
    if (after <= TimeSpan.Zero) Crash("CRASH_AFTER=0s");
    _ = Task.Delay(after).ContinueWith(_ => Crash($"CRASH_AFTER={Environment.GetEnvironmentVariable("CRASH_AFTER")} elapsed"), TaskScheduler.Default);
}

var builder = WebApplication.CreateSlimBuilder(args);
builder.Logging.ClearProviders();
builder.WebHost.UseUrls($"http://{bind}:{port}");
builder.WebHost.ConfigureKestrel(k => k.AddServerHeader = false);
builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(30));
var app = builder.Build();
app.UseWebSockets();

// A release that errs or slows, for canary tests: FAIL_RATE (0–1) of the requests other than
// /health answer 500; DELAY_MS is added to each of them.
var failRate = double.TryParse(Environment.GetEnvironmentVariable("FAIL_RATE"), System.Globalization.CultureInfo.InvariantCulture, out var rate) ? rate : 0;
var delayMs = int.TryParse(Environment.GetEnvironmentVariable("DELAY_MS"), out var delay) ? delay : 0;
if (failRate > 0 || delayMs > 0)
{
    app.Use(async (context, next) =>
    {
        if (context.Request.Path == "/health")
        {
            await next(context);
            return;
        }
        if (delayMs > 0) await Task.Delay(delayMs);
        if (Random.Shared.NextDouble() < failRate)
        {
            context.Response.StatusCode = 500;
            await context.Response.WriteAsync(version + " failing");
            return;
        }
        await next(context);
    });
}

if (crashAfterRequests > 0)
{
    long served = 0;
    app.Use(async (context, next) =>
    {
        if (context.Request.Path != "/health" && Interlocked.Increment(ref served) >= crashAfterRequests)
            Crash($"request {served} of CRASH_AFTER_REQUESTS={crashAfterRequests}");
        await next(context);
    });
}

var page = "<!doctype html><title>Sample</title><h1>Sample app " + version + "</h1>";
app.MapGet("/", () => Results.Content(page, "text/html"));
app.MapGet("/health", () => unhealthy ? Results.StatusCode(503) : Results.Text("ok"));
app.MapGet("/version", () => Results.Text(version));
// The compose sample's web calls its dependency (another service of the project, by name).
var dependency = Environment.GetEnvironmentVariable("DEPENDENCY_URL");
using var dependencyClient = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
app.MapGet("/dependency", async () => dependency is null
    ? Results.Text("no DEPENDENCY_URL", statusCode: 404)
    : Results.Text($"{version} -> {(await dependencyClient.GetStringAsync(dependency)).Trim()}"));
app.MapGet("/fail", (bool? on) => { failing = on ?? true; return Results.Text(failing ? "failing" : "ok"); });
app.MapGet("/bytes/{n:int}", (int n) => Results.Bytes(new byte[Math.Clamp(n, 0, 50_000_000)], "application/octet-stream"));
app.MapGet("/slow", async (int? ms) =>
{
    await Task.Delay(Math.Clamp(ms ?? 1500, 0, 60_000));
    return Results.Text(version);
});
app.MapPost("/echo", async (HttpRequest request, HttpResponse response) =>
{
    response.ContentType = request.ContentType ?? "application/octet-stream";
    await request.Body.CopyToAsync(response.Body);
});
app.MapGet("/events", async (HttpResponse response, int? count, int? ms, CancellationToken ct) =>
{
    response.ContentType = "text/event-stream";
    for (int i = 0; i < (count ?? 10) && !ct.IsCancellationRequested; i++)
    {
        await response.WriteAsync($"data: {version} {i}\n\n", ct);
        await response.Body.FlushAsync(ct);
        await Task.Delay(ms ?? 200, ct);
    }
});
app.Map("/ws", async (HttpContext context) =>
{
    if (!context.WebSockets.IsWebSocketRequest) { context.Response.StatusCode = 400; return; }
    using var socket = await context.WebSockets.AcceptWebSocketAsync();
    var buffer = new byte[16 * 1024];
    while (true)
    {
        var result = await socket.ReceiveAsync(buffer, CancellationToken.None);
        if (result.MessageType == WebSocketMessageType.Close)
        {
            await socket.CloseAsync(result.CloseStatus ?? WebSocketCloseStatus.NormalClosure, result.CloseStatusDescription, CancellationToken.None);
            return;
        }
        await socket.SendAsync(buffer.AsMemory(0, result.Count), result.MessageType, result.EndOfMessage, CancellationToken.None);
    }
});
// Everything else answers 200 with the version, or 500 when failing.
app.MapFallback(() => failing ? Results.Text(version + " failing", statusCode: 500) : Results.Text(version));

await app.RunAsync();
return 0;

// 500ms, 5s, 2m or a number of seconds.
static TimeSpan ParseDuration(string text) =>
    text.EndsWith("ms", StringComparison.Ordinal) ? TimeSpan.FromMilliseconds(double.Parse(text[..^2], System.Globalization.CultureInfo.InvariantCulture))
    : text.EndsWith('m') ? TimeSpan.FromMinutes(double.Parse(text[..^1], System.Globalization.CultureInfo.InvariantCulture))
    : TimeSpan.FromSeconds(double.Parse(text.TrimEnd('s'), System.Globalization.CultureInfo.InvariantCulture));
