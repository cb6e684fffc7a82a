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

    private ServerProcess(Process process, Uri proxy, Uri admin, string data)
    {
        _process = process;
        ProxyUri = proxy;
        AdminUri = admin;
        DataDirectory = data;
        process.OutputDataReceived += (_, e) => { lock (_output) _output.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { lock (_output) _output.AppendLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public Uri ProxyUri { get; }
    public Uri AdminUri { get; }
    public string DataDirectory { get; }
    public int Pid => _process.Id;
    public string Token => File.ReadAllText(Path.Combine(DataDirectory, "admin-token")).Trim();

    public string Output
    {
        get { lock (_output) return _output.ToString(); }
    }

    public static int FreePort()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }

    /// <summary>Starts the server and waits until its admin API answers with the token.</summary>
    public static async Task<ServerProcess> StartAsync(string dataDirectory, int proxyPort, int adminPort)
    {
        var psi = new ProcessStartInfo(BatonCli.Dotnet)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = dataDirectory,
        };
        foreach (var a in new[] { Path.Combine(AppContext.BaseDirectory, "baton.dll"), "server", "--listen", $"127.0.0.1:{proxyPort}", "--admin", $"127.0.0.1:{adminPort}", "--data", dataDirectory, "--shutdown-timeout", "5s" })
            psi.ArgumentList.Add(a);
        foreach (var name in new[] { "BATON_URL", "BATON_TOKEN", "BATON_DATA" }) psi.Environment.Remove(name);
        var server = new ServerProcess(Process.Start(psi)!, new Uri($"http://127.0.0.1:{proxyPort}/"), new Uri($"http://127.0.0.1:{adminPort}/"), dataDirectory);
        using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
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
                throw new TimeoutException($"baton server did not answer within 30 s: {server.Output}");
            }
            await Task.Delay(100);
        }
    }

    /// <summary>SIGKILL: the process gets no chance to clean anything up.</summary>
    public async Task KillAsync()
    {
        if (_process.HasExited) return;
        _process.Kill();
        await _process.WaitForExitAsync();
    }

    public IReadOnlyDictionary<string, string?> CliEnvironment => new Dictionary<string, string?> { ["BATON_URL"] = AdminUri.ToString(), ["BATON_TOKEN"] = Token };

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        _process.Dispose();
    }
}
