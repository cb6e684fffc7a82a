using System.Net.Http.Headers;
using System.Net.Http.Json;
using Baton.Contracts;
using Baton.Deploy;
using Baton.Docker;
using Baton.FunctionalTests.Infrastructure;

namespace Baton.FunctionalTests.Deploy;

/// <summary>
/// One test's service of the sample app: a unique name and host, its own baton.yml, a real
/// <c>baton server</c> (in this process, or a <see cref="ServerProcess"/>), the real CLI, and at
/// the end the removal of every container labelled with its name.
/// </summary>
public sealed class BlueGreenApp : IAsyncDisposable
{
    private readonly RouterHost? _router;
    private readonly HttpClient _admin;

    private BlueGreenApp(string name, RouterHost? router, Uri adminUri, Uri proxyUri, Uri? stagingUri, Func<string> token)
    {
        Name = name;
        _router = router;
        AdminUri = adminUri;
        ProxyUri = proxyUri;
        StagingUri = stagingUri;
        TokenSource = token;
        _admin = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { BaseAddress = adminUri, Timeout = TimeSpan.FromSeconds(60) };
    }

    public string Name { get; }
    public string Host => $"{Name}.localhost";
    public Uri AdminUri { get; }
    public Uri ProxyUri { get; }

    /// <summary>The router's staging listener, where staging hosts answer.</summary>
    public Uri? StagingUri { get; }
    private Func<string> TokenSource { get; }

    /// <summary>The in-process server's data directory (null for a server run as a process).</summary>
    public string? DataDirectory => _router?.DataDirectory;

    /// <summary>The in-process server's TLS listener, when it runs one.</summary>
    public string? ProxyTlsUrl => _router?.Server.ProxyTlsUrl;

    public IReadOnlyDictionary<string, string?> CliEnvironment => new Dictionary<string, string?> { ["BATON_URL"] = AdminUri.ToString(), ["BATON_TOKEN"] = TokenSource() };

    public static string NewName() => "bg-" + Guid.NewGuid().ToString("N")[..8];

    /// <summary>A fresh in-process server, and the service applied with <see cref="Yaml"/> plus <paramref name="extra"/>.</summary>
    public static async Task<BlueGreenApp> StartAsync(string extra = "", Func<Baton.Server.ServerOptions, Baton.Server.ServerOptions>? configure = null)
    {
        await SampleImages.EnsureAsync();
        var router = await RouterHost.StartAsync(configure: configure);
        var app = new BlueGreenApp(NewName(), router, router.AdminUri, router.ProxyUri, router.StagingUri, () => router.Token);
        await app.ApplyOkAsync(app.Yaml(extra));
        return app;
    }

    /// <summary>For a server run as a process: the addresses stay the same across its restarts.</summary>
    public static async Task<BlueGreenApp> ForProcessAsync(ServerProcess server, string extra = "")
    {
        await SampleImages.EnsureAsync();
        var app = new BlueGreenApp(NewName(), null, server.AdminUri, server.ProxyUri, server.StagingUri, () => server.Token);
        await app.ApplyOkAsync(app.Yaml(extra));
        return app;
    }

    /// <summary>
    /// The service file: fast health checks, short drain and stop, and a 1 s watch after the switch
    /// (the watch runs, yet a deploy still takes seconds).
    /// </summary>
    public string Yaml(string extra = "", string deployTimeout = "20s", int passes = 1, string drain = "3s", string watch = "1s") => $"""
        service: {Name}
        image: {SampleImages.Repository}
        hosts: [{Host}]
        health:
          interval: 200ms
          timeout: 2s
          passes: {passes}
        deploy_timeout: {deployTimeout}
        drain_timeout: {drain}
        stop_timeout: 2s
        watch: {watch}
        {extra}
        """;

    public async Task<CliResult> ApplyAsync(string yaml)
    {
        var file = Path.Combine(Directory.CreateTempSubdirectory("baton-ft-yml-").FullName, "baton.yml");
        await File.WriteAllTextAsync(file, yaml);
        try
        {
            return await CliAsync("apply", "-f", file);
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(file)!, recursive: true);
        }
    }

    public async Task ApplyOkAsync(string yaml)
    {
        var applied = await ApplyAsync(yaml);
        Assert.True(applied.ExitCode == 0, $"baton apply failed: {applied}\n{yaml}");
    }

    public Task<CliResult> CliAsync(params string[] args) => BatonCli.RunAsync(CliEnvironment, args, TimeSpan.FromSeconds(90));

    /// <summary>The CLI with <paramref name="stdin"/> on its standard input (for <c>--password-stdin</c>).</summary>
    public Task<CliResult> CliWithInputAsync(string stdin, params string[] args) => BatonCli.RunAsync(CliEnvironment, args, TimeSpan.FromSeconds(90), stdin);

    public Task<CliResult> DeployAsync(string tag, params string[] more) => CliAsync(["deploy", Name, "--image", SampleImages.Image(tag), .. more]);

    public async Task<CliResult> DeployOkAsync(string tag, params string[] more)
    {
        var result = await DeployAsync(tag, more);
        Assert.True(result.ExitCode == 0, $"baton deploy {tag} failed: {result}");
        return result;
    }

    /// <summary>GET /version through the router on a new connection; the host defaults to the service's.</summary>
    public Task<RawResponse> GetAsync(string path = "/version", string? host = null) => RawHttp.SendAsync(ProxyUri, "GET", path, host ?? Host);

    /// <summary>The version live traffic reaches (asserting a 200).</summary>
    public async Task<string> LiveVersionAsync(string? host = null)
    {
        var r = await GetAsync("/version", host);
        Assert.True(r.Status == 200, $"GET /version on {host ?? Host} answered {r.Status}: {r.Body}");
        return r.Body;
    }

    /// <summary>Waits until live traffic answers <paramref name="version"/> (health checks of a restarted router may take a moment).</summary>
    public Task WaitLiveAsync(string version, TimeSpan? timeout = null) => Wait.UntilAsync(async () =>
    {
        try
        {
            var r = await GetAsync();
            return r.Status == 200 && r.Body == version;
        }
        catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException)
        {
            return false;
        }
    }, $"{Host} answers {version}", timeout ?? TimeSpan.FromSeconds(20));

    public string StagingHost(string color) => $"{color}.{Host}";

    /// <summary>The URL the hold message and the page give for a colour: its staging host on the staging listener.</summary>
    public string StagingUrl(string color) => $"http://{StagingHost(color)}:{StagingUri!.Port}/";

    /// <summary>GET through the staging listener with the colour's staging host.</summary>
    public Task<RawResponse> StagingGetAsync(string color, string path = "/version") => RawHttp.SendAsync(StagingUri!, "GET", path, StagingHost(color));

    /// <summary>The version a colour's staging host reaches on the staging listener (asserting a 200).</summary>
    public async Task<string> StagingVersionAsync(string color)
    {
        var r = await StagingGetAsync(color);
        Assert.True(r.Status == 200, $"GET /version on {StagingHost(color)} (staging listener) answered {r.Status}: {r.Body}");
        return r.Body;
    }

    public Task<IReadOnlyList<ContainerSummary>> ContainersAsync() => EngineContainers.ListAsync(Name);

    public async Task<HistoryResponse> HistoryAsync()
    {
        using var request = Admin(HttpMethod.Get, $"api/services/{Name}/history");
        using var response = await _admin.SendAsync(request);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync(BatonJson.Default.HistoryResponse))!;
    }

    /// <summary>An admin API call's status and raw body.</summary>
    public async Task<(int Status, string Body)> ApiAsync(HttpMethod method, string path)
    {
        using var request = Admin(method, path);
        using var response = await _admin.SendAsync(request);
        return ((int)response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    /// <summary>The release of the newest deployment that went live.</summary>
    public async Task<DeploymentView> LatestAsync() => (await HistoryAsync()).Deployments[0];

    private HttpRequestMessage Admin(HttpMethod method, string path)
    {
        var request = new HttpRequestMessage(method, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", TokenSource());
        return request;
    }

    public static string Release(ContainerSummary c) => c.Label(ContainerLabels.Release) ?? "";

    public async ValueTask DisposeAsync()
    {
        _admin.Dispose();
        if (_router is not null) await _router.DisposeAsync();
        await EngineContainers.RemoveAsync(Name);
    }
}
