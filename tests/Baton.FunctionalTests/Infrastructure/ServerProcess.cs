using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Baton.FunctionalTests.Infrastructure;

/// <summary>
/// <c>baton server</c> as a real process (<c>dotnet baton.dll server</c>) on fixed loopback ports
/// and a fixed data directory, so it can be killed and started again on the same state.
/// </summary>
public sealed class ServerProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private ServerProcess(Process process, Uri proxy, Uri admin, Uri staging, string data)
    {
        _process = process;
        ProxyUri = proxy;
        StagingUri = staging;
        AdminUri = admin;
        DataDirectory = data;
        process.OutputDataReceived += (_, e) => { lock (_output) _output.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { lock (_output) _output.AppendLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public Uri ProxyUri { get; }
    public Uri AdminUri { get; }
    public Uri StagingUri { get; }
    public string DataDirectory { get; }
    public int Pid => _process.Id;
    public bool HasExited => _process.HasExited;
    public string Token => File.ReadAllText(Path.Combine(DataDirectory, "admin-token")).Trim();

    public string Output
    {
        get { lock (_output) return _output.ToString(); }
    }

    public static int FreePort() => Baton.Testing.TestPorts.Next();

    /// <summary>
    /// How long a started server gets to answer its admin API: three .NET processes start (supervisor, router,
    /// controller). About 3 s on a quiet machine; at load average 88 on 2 cores a suite run saw more than 30 s.
    /// </summary>
    private static readonly TimeSpan StartLimit = TimeSpan.FromSeconds(60);

    /// <summary>Starts the server and waits until its admin API answers with the token.</summary>
    /// <param name="stagingPort">The staging listener's port; a free one when 0.</param>
    /// <param name="admin">The <c>--admin</c> address; 127.0.0.1 on <paramref name="adminPort"/> when null.</param>
    /// <param name="extraArgs">More <c>baton server</c> flags.</param>
    /// <param name="adminTrust">For an HTTPS admin listener: the certificate the readiness check trusts.</param>
    /// <param name="programDirectory">Where baton.dll is run from; the test output when null.</param>
    public static async Task<ServerProcess> StartAsync(string dataDirectory, int proxyPort, int adminPort, int stagingPort = 0,
        string? admin = null, string[]? extraArgs = null, TestCertificate? adminTrust = null, string? programDirectory = null,
        IReadOnlyDictionary<string, string>? environment = null)
    {
        if (stagingPort == 0) stagingPort = FreePort();
        var psi = new ProcessStartInfo(BatonCli.Dotnet)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = dataDirectory,
        };
        string[] args = [Path.Combine(programDirectory ?? AppContext.BaseDirectory, "baton.dll"), "server", "--listen", $"127.0.0.1:{proxyPort}", "--admin", admin ?? $"127.0.0.1:{adminPort}", "--listen-staging", $"127.0.0.1:{stagingPort}", "--data", dataDirectory, "--shutdown-timeout", "5s", .. extraArgs ?? []];
        foreach (var a in args) psi.ArgumentList.Add(a);
        foreach (var name in new[] { "BATON_URL", "BATON_TOKEN", "BATON_DATA" }) psi.Environment.Remove(name);
        foreach (var (name, value) in environment ?? new Dictionary<string, string>()) psi.Environment[name] = value;
        var server = new ServerProcess(Process.Start(psi)!, new Uri($"http://127.0.0.1:{proxyPort}/"), new Uri($"{(adminTrust is null ? "http" : "https")}://127.0.0.1:{adminPort}/"), new Uri($"http://127.0.0.1:{stagingPort}/"), dataDirectory);
        var handler = new SocketsHttpHandler { UseProxy = false };
        using var http = new HttpClient(adminTrust?.Trusting(handler) ?? handler) { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow + StartLimit;
        while (true)
        {
            if (server._process.HasExited) throw new InvalidOperationException($"baton server exited with {server._process.ExitCode}: {server.Output}");
            try
            {
                if (File.Exists(Path.Combine(dataDirectory, "admin-token")))
                {
                    using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(server.AdminUri, "api/status"));
                    request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", server.Token);
                    using var response = await http.SendAsync(request);
                    if (response.IsSuccessStatusCode) return server;
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException)
            {
                // Not listening yet.
            }
            if (DateTime.UtcNow > deadline)
            {
                await server.DisposeAsync();
                throw new TimeoutException($"baton server did not answer within {StartLimit.TotalSeconds:0} s: {server.Output}");
            }
            await Task.Delay(100);
        }
    }

    /// <summary>
    /// SIGKILL to the supervisor and its worker at once (as a machine that loses power, or
    /// <c>systemctl kill -s KILL</c>): nothing gets a chance to clean anything up. Returns when both
    /// are gone (the worker shares the supervisor's output pipes, which end last).
    /// </summary>
    public async Task KillAsync()
    {
        if (_process.HasExited) return;
        _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
    }

    /// <summary>SIGTERM, as a service manager stops it: the server shuts down gracefully; waits up to a minute for it.</summary>
    public async Task TerminateAsync()
    {
        if (_process.HasExited) return;
        using (var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])) await kill.WaitForExitAsync();
        using var limit = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        await _process.WaitForExitAsync(limit.Token);
    }

    public IReadOnlyDictionary<string, string?> CliEnvironment => new Dictionary<string, string?> { ["BATON_URL"] = AdminUri.ToString(), ["BATON_TOKEN"] = Token };

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        _process.Dispose();
    }
}
