using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Baton.Contracts;
using Baton.Server;

namespace Baton.FunctionalTests.Infrastructure;

/// <summary>The outcome of a deploy call: the HTTP status, then the streamed events (or the API error).</summary>
public sealed record DeployResult(HttpStatusCode Status, IReadOnlyList<DeployEvent> Events, string? Error)
{
    public bool Succeeded => Events.Any(e => e.Kind == "done");
    public string? FailedMessage => Events.LastOrDefault(e => e.Kind == "failed")?.Message;
    public override string ToString() => Error ?? string.Join(" | ", Events.Select(e => $"{e.Kind}: {e.Message}"));
}

/// <summary>
/// A real <see cref="BatonServer"/> on 127.0.0.1 port 0 with its own temporary data directory,
/// and clients for its public listener and admin API.
/// </summary>
public sealed class RouterHost : IAsyncDisposable
{
    private readonly bool _ownsData;
    private bool _stopped;

    private RouterHost(BatonServer server, ServerOptions options, bool ownsData)
    {
        Server = server;
        Options = options;
        _ownsData = ownsData;
        Token = File.ReadAllText(server.TokenFile).Trim();
        AdminUri = new Uri(server.AdminUrl);
        ProxyUri = new Uri(server.ProxyUrls[0]);
        StagingUri = server.StagingUrl is null ? null : new Uri(server.StagingUrl);
        Admin = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { BaseAddress = AdminUri, Timeout = TimeSpan.FromSeconds(60) };
        Admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Token);
        Proxy = NewProxyClient();
    }

    public BatonServer Server { get; }
    public ServerOptions Options { get; }
    public string DataDirectory => Options.DataDirectory;
    public string Token { get; }
    public Uri AdminUri { get; }
    public Uri ProxyUri { get; }

    /// <summary>The staging listener (staging hosts, canary overrides), or null when the test runs none.</summary>
    public Uri? StagingUri { get; }

    /// <summary>Admin API client with the token.</summary>
    public HttpClient Admin { get; }

    /// <summary>A pooled, kept-alive client of the public listener.</summary>
    public HttpClient Proxy { get; }

    public static string NewDataDirectory() =>
        Directory.CreateTempSubdirectory("baton-ft-").FullName;

    public static async Task<RouterHost> StartAsync(string? dataDirectory = null, Func<ServerOptions, ServerOptions>? configure = null)
    {
        bool owns = dataDirectory is null;
        var options = new ServerOptions
        {
            Listen = "127.0.0.1:0",
            Admin = "127.0.0.1:0",
            ListenStaging = "127.0.0.1:0",
            DataDirectory = dataDirectory ?? NewDataDirectory(),
            ShutdownTimeout = TimeSpan.FromSeconds(15),
            LogLevel = Microsoft.Extensions.Logging.LogLevel.Warning,
        };
        if (configure is not null) options = configure(options);
        var server = new BatonServer(options);
        await server.StartAsync();
        return new RouterHost(server, options, owns);
    }

    public HttpClient NewProxyClient(Action<SocketsHttpHandler>? configure = null) => NewClient(ProxyUri, configure);

    /// <summary>A client of the staging listener.</summary>
    public HttpClient NewStagingClient(Action<SocketsHttpHandler>? configure = null) =>
        NewClient(StagingUri ?? throw new InvalidOperationException("This router runs no staging listener."), configure);

    private static HttpClient NewClient(Uri listener, Action<SocketsHttpHandler>? configure)
    {
        var handler = new SocketsHttpHandler { UseProxy = false, AllowAutoRedirect = false };
        configure?.Invoke(handler);
        return new HttpClient(handler) { BaseAddress = listener, Timeout = TimeSpan.FromSeconds(60) };
    }

    /// <summary>Sends a GET through the router with the given Host header.</summary>
    public async Task<(HttpStatusCode Status, string Body, HttpResponseMessage Response)> GetAsync(string path, string? host = null, HttpClient? client = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (host is not null) request.Headers.Host = host;
        var response = await (client ?? Proxy).SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, body, response);
    }

    /// <summary>The usual fast test deploy: probes every 100 ms, one pass, short drain.</summary>
    public static DeployRequest Request(IEnumerable<Backend> targets, string[]? hosts = null, string? path = null, string drain = "5s", string deployTimeout = "10s", string interval = "100ms", int passes = 1) => new()
    {
        Targets = targets.Select(t => t.Address).ToList(),
        Hosts = hosts,
        Path = path,
        Health = new HealthCheckSpec { Interval = interval, Passes = passes },
        DrainTimeout = drain,
        DeployTimeout = deployTimeout,
    };

    public Task<DeployResult> DeployAsync(string service, params Backend[] targets) => DeployAsync(service, Request(targets));

    /// <summary>Calls the deploy API and reads its event stream to the end.</summary>
    public async Task<DeployResult> DeployAsync(string service, DeployRequest request)
    {
        using var message = new HttpRequestMessage(HttpMethod.Post, $"/api/services/{service}/deploy")
        {
            Content = JsonContent.Create(request, BatonJson.Default.DeployRequest),
        };
        using var response = await Admin.SendAsync(message, HttpCompletionOption.ResponseHeadersRead);
        if (!response.IsSuccessStatusCode)
        {
            var error = await response.Content.ReadFromJsonAsync(BatonJson.Default.ApiError);
            return new DeployResult(response.StatusCode, [], error?.Error);
        }
        var events = new List<DeployEvent>();
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        while (await reader.ReadLineAsync() is { } line)
        {
            if (line.StartsWith("data: ", StringComparison.Ordinal))
                events.Add(JsonSerializer.Deserialize(line.AsSpan(6), BatonJson.Default.DeployEvent)!);
        }
        return new DeployResult(response.StatusCode, events, null);
    }

    /// <summary>Deploys and fails the test unless the deploy succeeded.</summary>
    public async Task DeployOkAsync(string service, DeployRequest request)
    {
        var result = await DeployAsync(service, request);
        Assert.True(result.Succeeded, $"deploy of {service} failed: {result}");
    }

    public Task DeployOkAsync(string service, params Backend[] targets) => DeployOkAsync(service, Request(targets));

    public async Task<ServiceStatus?> StatusAsync(string service)
    {
        using var response = await Admin.GetAsync($"/api/services/{service}");
        if (response.StatusCode == HttpStatusCode.NotFound) return null;
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadFromJsonAsync(BatonJson.Default.ServiceStatus);
    }

    public async Task<StatusResponse> StatusAsync()
    {
        using var response = await Admin.GetAsync("/api/status");
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync(BatonJson.Default.StatusResponse))!;
    }

    public async Task<TargetStatus?> TargetStatusAsync(string service, Backend backend)
    {
        var s = await StatusAsync(service);
        return s?.Active?.Targets.FirstOrDefault(t => t.Address == backend.Address)
            ?? s?.Candidate?.Targets.FirstOrDefault(t => t.Address == backend.Address);
    }

    public async Task PauseAsync(string service, string? max)
    {
        using var response = await Admin.PostAsync($"/api/services/{service}/pause", JsonContent.Create(new PauseRequest(max), BatonJson.Default.PauseRequest));
        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
    }

    public async Task ResumeAsync(string service)
    {
        using var response = await Admin.PostAsync($"/api/services/{service}/resume", null);
        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
    }

    public async Task MaintenanceAsync(string service, bool on, string? message)
    {
        using var response = await Admin.PostAsync($"/api/services/{service}/maintenance", JsonContent.Create(new MaintenanceRequest(on, message), BatonJson.Default.MaintenanceRequest));
        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
    }

    public async Task StopAsync()
    {
        if (_stopped) return;
        _stopped = true;
        await Server.StopAsync();
    }

    public async ValueTask DisposeAsync()
    {
        Proxy.Dispose();
        Admin.Dispose();
        try
        {
            await StopAsync();
        }
        catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
        {
        }
        await Server.DisposeAsync();
        if (_ownsData)
        {
            try
            {
                Directory.Delete(DataDirectory, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }
}
