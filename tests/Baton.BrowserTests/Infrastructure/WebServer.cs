using System.Net.Http.Headers;
using System.Net.Http.Json;
using Baton.Contracts;
using Baton.FunctionalTests.Infrastructure;

namespace Baton.BrowserTests.Infrastructure;

/// <summary>
/// A real <c>baton server</c> process on its own ports and data directory, with one service of
/// the sample app applied under a unique name; disposing it kills the server and removes that
/// service's containers (only those).
/// </summary>
public sealed class WebServer : IAsyncDisposable
{
    private readonly ServerProcess _server;
    private readonly string _data;
    private readonly HttpClient _http;

    private WebServer(ServerProcess server, string data, string service)
    {
        _server = server;
        _data = data;
        Service = service;
        _http = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { BaseAddress = server.AdminUri, Timeout = TimeSpan.FromSeconds(90) };
    }

    public string Service { get; }
    public string Host => $"{Service}.localhost";
    public Uri AdminUri => _server.AdminUri;
    public Uri ProxyUri => _server.ProxyUri;
    public Uri StagingUri => _server.StagingUri;
    public string Token => _server.Token;
    public string Output => _server.Output;

    /// <summary>The first-start admin's password, written by the server to &lt;data&gt;/admin-password.</summary>
    public string AdminPassword => File.ReadAllText(Path.Combine(_data, "admin-password")).Trim();

    public static async Task<WebServer> StartAsync()
    {
        await SampleImages.EnsureAsync();
        await RegistryTags.EnsureAsync();
        var data = Directory.CreateTempSubdirectory("baton-web-").FullName;
        var server = await ServerProcess.StartAsync(data, ServerProcess.FreePort(), ServerProcess.FreePort());
        var web = new WebServer(server, data, "web-" + Guid.NewGuid().ToString("N")[..8]);
        var applied = await web.SendAsync(HttpMethod.Post, "api/services", JsonContent.Create(new ApplyRequest(web.Yaml(), "baton.yml"), BatonJson.Default.ApplyRequest));
        Assert.True(applied.IsSuccessStatusCode, $"apply answered {(int)applied.StatusCode}: {await applied.Content.ReadAsStringAsync()}");
        return web;
    }

    /// <summary>Fast health checks and a short drain, so a deploy takes seconds.</summary>
    private string Yaml() => $"""
        service: {Service}
        image: {SampleImages.Repository}
        hosts: [{Host}]
        health:
          path: /health
          interval: 200ms
          timeout: 2s
          passes: 1
        deploy_timeout: 30s
        drain_timeout: 2s
        stop_timeout: 2s
        watch: 1s
        smoke:
          - path: /version
            status: 200
        """;

    /// <summary>Adds a user with a role through the API, as an admin would.</summary>
    public async Task AddUserAsync(string name, string role, string password)
    {
        var response = await SendAsync(HttpMethod.Post, "api/users", JsonContent.Create(new UserRequest(name, role, password), BatonJson.Default.UserRequest));
        Assert.True(response.IsSuccessStatusCode, $"adding {name} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
    }

    /// <summary>An admin API call with the admin token.</summary>
    public async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, HttpContent? content = null)
    {
        using var request = new HttpRequestMessage(method, path) { Content = content };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Token);
        return await _http.SendAsync(request, HttpCompletionOption.ResponseContentRead);
    }

    /// <summary>Deploys a tag through the API (not the page) and waits for its last event, which must be <c>done</c>.</summary>
    public async Task DeployAsync(string tag, bool hold = false)
    {
        var response = await SendAsync(HttpMethod.Post, $"api/services/{Service}/deploy",
            JsonContent.Create(new DeployRequest { Image = SampleImages.Image(tag), Hold = hold }, BatonJson.Default.DeployRequest));
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode && body.Contains("event: done", StringComparison.Ordinal), $"deploy {tag} did not finish: {body}\nserver output:\n{Output}");
    }

    /// <summary>GET /version through the router with the service's host: what a visitor gets.</summary>
    public async Task<string> LiveVersionAsync()
    {
        using var client = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { Timeout = TimeSpan.FromSeconds(5) };
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(ProxyUri, "version"));
        request.Headers.Host = Host;
        using var response = await client.SendAsync(request);
        return $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}";
    }

    public async Task<HistoryResponse> HistoryAsync()
    {
        var response = await SendAsync(HttpMethod.Get, $"api/services/{Service}/history");
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync(BatonJson.Default.HistoryResponse))!;
    }

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        await _server.DisposeAsync();
        await EngineContainers.RemoveAsync(Service);
        try
        {
            Directory.Delete(_data, recursive: true);
        }
        catch (IOException)
        {
            // A container may still hold a file open for a moment; the temp directory is cleaned later.
        }
    }
}
