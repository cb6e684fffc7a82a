using System.Net;
using System.Text.Json;
using Baton.Contracts;

namespace Baton.FunctionalTests.Infrastructure;

/// <summary>
/// A real <c>baton server</c> process with one service live on an in-process backend
/// (<c>--target</c> style), and an admin client with the token: what the process-level tests start from.
/// </summary>
public sealed class LiveServerProcess : IAsyncDisposable
{
    private readonly string _data;

    private LiveServerProcess(string data, Backend backend, ServerProcess server, AccessClient api)
    {
        _data = data;
        Backend = backend;
        Server = server;
        Api = api;
    }

    public Backend Backend { get; }
    public ServerProcess Server { get; }
    public AccessClient Api { get; }

    /// <param name="programDirectory">Where baton.dll is run from; the test output when null.</param>
    /// <param name="environment">Variables for the server's processes (a test-only seam, say).</param>
    public static async Task<LiveServerProcess> StartAsync(string service, string backendName, string host, string? programDirectory = null,
        IReadOnlyDictionary<string, string>? environment = null)
    {
        var data = RouterHost.NewDataDirectory();
        var backend = await Backend.StartAsync(backendName);
        ServerProcess? server = null;
        AccessClient? api = null;
        try
        {
            server = await ServerProcess.StartAsync(data, ServerProcess.FreePort(), ServerProcess.FreePort(), programDirectory: programDirectory, environment: environment);
            api = AccessClient.WithToken(server.AdminUri, server.Token);
            var deploy = JsonSerializer.Serialize(RouterHost.Request([backend], hosts: [host]), BatonJson.Default.DeployRequest);
            var (status, body, _) = await api.PostAsync($"/api/services/{service}/deploy", deploy);
            Assert.True(status == HttpStatusCode.OK && body.Contains("\"done\"", StringComparison.Ordinal), body);
            return new LiveServerProcess(data, backend, server, api);
        }
        catch
        {
            // A fixture that fails here is never disposed by xUnit: end what it started (a leaked server outlived a suite run).
            api?.Dispose();
            if (server is not null) await server.DisposeAsync();
            await backend.DisposeAsync();
            throw;
        }
    }

    /// <summary>GET /api/router: the serving router's PID and restarts, and the answering controller's PID; null while no controller answers (2 s at most).</summary>
    public async Task<RouterProcessResponse?> ProcessesAsync()
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            var (status, body, _) = await Api.GetAsync("/api/router").WaitAsync(timeout.Token);
            return status == HttpStatusCode.OK ? JsonSerializer.Deserialize(body, BatonJson.Default.RouterProcessResponse) : null;
        }
        catch (Exception e) when (e is HttpRequestException or OperationCanceledException or TimeoutException)
        {
            return null;
        }
    }

    public async ValueTask DisposeAsync()
    {
        Api.Dispose();
        await Server.DisposeAsync();
        await Backend.DisposeAsync();
        Directory.Delete(_data, recursive: true);
    }
}
