using System.Net;
using Baton.FunctionalTests.Infrastructure;

namespace Baton.FunctionalTests.Auth;

/// <summary>
/// Issue 12, points 3 and 4, through real <c>baton server</c> processes: one server per data
/// directory, and an admin listener that never answers beyond loopback in clear by accident.
/// </summary>
public sealed class ServerStartTests : IAsyncLifetime
{
    private readonly string _data = RouterHost.NewDataDirectory();
    private readonly List<ServerProcess> _servers = [];

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var server in _servers) await server.DisposeAsync();
        Directory.Delete(_data, recursive: true);
    }

    private async Task<ServerProcess> StartAsync(int adminPort, string? admin = null, string[]? extra = null, TestCertificate? trust = null)
    {
        var server = await ServerProcess.StartAsync(_data, ServerProcess.FreePort(), adminPort, admin: admin, extraArgs: extra, adminTrust: trust);
        _servers.Add(server);
        return server;
    }

    /// <summary>Runs <c>baton server</c> expecting it to refuse to start; returns what it printed.</summary>
    private static Task<CliResult> RefusedAsync(string data, params string[] args) =>
        BatonCli.RunAsync(new Dictionary<string, string?>(), ["server", "--data", data, "--listen", $"127.0.0.1:{ServerProcess.FreePort()}", "--listen-staging", $"127.0.0.1:{ServerProcess.FreePort()}", .. args], TimeSpan.FromSeconds(30));

    /// <summary>Another server (another data directory) on the first one's public port is refused: the port is never shared.</summary>
    [Fact]
    public async Task SecondServer_SamePublicPort_RefusedAsInUse_FirstStillServes()
    {
        var first = await StartAsync(ServerProcess.FreePort());
        var other = RouterHost.NewDataDirectory();
        try
        {
            var result = await BatonCli.RunAsync(new Dictionary<string, string?>(), ["server", "--data", other, "--listen", $"127.0.0.1:{first.ProxyUri.Port}", "--admin", $"127.0.0.1:{ServerProcess.FreePort()}", "--listen-staging", $"127.0.0.1:{ServerProcess.FreePort()}"], TimeSpan.FromSeconds(30));
            Assert.True(result.ExitCode == 2, result.ToString());
            Assert.Contains($"The public address 127.0.0.1:{first.ProxyUri.Port} is already in use", result.Stderr);
            Assert.False(first.HasExited);
            Assert.Equal(404, (await RawHttp.SendAsync(first.ProxyUri, "GET", "/", host: "nothing.test")).Status);
        }
        finally
        {
            Directory.Delete(other, recursive: true);
        }
    }

    [Fact]
    public async Task SecondServer_SameDataDirectory_RefusedNamingTheHolder_FirstUntouched()
    {
        await using var backend = await Backend.StartAsync("one");
        var first = await StartAsync(ServerProcess.FreePort());
        using var api = AccessClient.WithToken(first.AdminUri, first.Token);
        var deploy = System.Text.Json.JsonSerializer.Serialize(RouterHost.Request([backend], hosts: ["one.example.com"]), Baton.Contracts.BatonJson.Default.DeployRequest);
        var (status, body, _) = await api.PostAsync("/api/services/one/deploy", deploy);
        Assert.True(status == HttpStatusCode.OK && body.Contains("\"done\"", StringComparison.Ordinal), body);
        var stateBefore = await File.ReadAllTextAsync(Path.Combine(_data, "router-state.json"));

        int secondAdmin = ServerProcess.FreePort();
        var second = await RefusedAsync(_data, "--admin", $"127.0.0.1:{secondAdmin}");

        Assert.Equal(2, second.ExitCode);
        Assert.Contains($"Another baton server (PID {first.Pid}) is using the data directory", second.Stderr);
        Assert.DoesNotContain("   at ", second.Stderr); // one sentence, no stack trace
        Assert.False(await AnswersAsync(secondAdmin), "the refused server must not have opened its admin listener");
        // The first server still routes, and nothing of its state changed.
        using var proxy = new HttpClient { BaseAddress = first.ProxyUri };
        using var request = new HttpRequestMessage(HttpMethod.Get, "/") { Headers = { Host = "one.example.com" } };
        using var answer = await proxy.SendAsync(request);
        Assert.Equal("one", await answer.Content.ReadAsStringAsync());
        Assert.Equal(stateBefore, await File.ReadAllTextAsync(Path.Combine(_data, "router-state.json")));
        Assert.Equal($"{first.Pid}\n", await File.ReadAllTextAsync(Path.Combine(_data, "baton.pid")));
    }

    [Fact]
    public async Task SecondServer_AfterTheFirstWasKilled_Starts()
    {
        var first = await StartAsync(ServerProcess.FreePort());
        await first.KillAsync(); // SIGKILL: the kernel drops the lock with the process

        var second = await StartAsync(ServerProcess.FreePort());

        Assert.Equal($"{second.Pid}\n", await File.ReadAllTextAsync(Path.Combine(_data, "baton.pid")));
    }

    [Theory]
    [InlineData("0.0.0.0", "every interface")]
    [InlineData("", "every interface")]
    public async Task AdminOnEveryInterface_WithoutTls_RefusedAndNothingListens(string host, string where)
    {
        int port = ServerProcess.FreePort();

        var result = await RefusedAsync(_data, "--admin", $"{host}:{port}");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains($"The admin listener would answer on {where}", result.Stderr);
        Assert.Contains("--admin-insecure", result.Stderr);
        Assert.False(await AnswersAsync(port));
        Assert.False(File.Exists(Path.Combine(_data, "admin-token")), "a refused start writes nothing in the data directory");
    }

    [Fact]
    public async Task AdminOnEveryInterface_Insecure_StartsAndSaysWhereItReallyListens()
    {
        int port = ServerProcess.FreePort();

        var server = await StartAsync(port, admin: $"0.0.0.0:{port}", extra: ["--admin-insecure"]);

        Assert.Contains($"admin    http://0.0.0.0:{port} (beyond loopback without TLS", server.Output);
        Assert.Contains("warning: the admin listener answers on", server.Output);
        Assert.DoesNotContain($"admin    http://127.0.0.1:{port}", server.Output);
    }

    [Fact]
    public async Task AdminTls_OnEveryInterface_ServesHttpsAndTheCliTrustsOnlyTheGivenCertificate()
    {
        var cert = TestCertificate.Create(Directory.CreateTempSubdirectory("baton-ft-cert-").FullName);
        int port = ServerProcess.FreePort();

        var server = await StartAsync(port, admin: $"0.0.0.0:{port}", extra: ["--admin-tls-cert", cert.CertificateFile, "--admin-tls-key", cert.KeyFile], trust: cert);
        var env = new Dictionary<string, string?> { ["BATON_URL"] = $"https://127.0.0.1:{port}", ["BATON_TOKEN"] = server.Token };

        Assert.Contains($"admin    https://0.0.0.0:{port}", server.Output);
        Assert.DoesNotContain("warning:", server.Output);
        var trusted = await BatonCli.RunAsync(env, ["status", "--cacert", cert.CertificateFile]);
        Assert.True(trusted.ExitCode == 0, trusted.ToString());
        var untrusted = await BatonCli.RunAsync(env, ["status"]);
        Assert.NotEqual(0, untrusted.ExitCode);
        Assert.Contains("certificate this client does not trust", untrusted.Stderr);
        Assert.Contains("--cacert", untrusted.Stderr);
        // Plain HTTP on the TLS port, even with the token, never reaches the API.
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", server.Token);
        HttpStatusCode? plain;
        try
        {
            using var r = await http.GetAsync($"http://127.0.0.1:{port}/api/status");
            plain = r.StatusCode;
        }
        catch (HttpRequestException)
        {
            plain = null;
        }
        Assert.NotEqual(HttpStatusCode.OK, plain);
    }

    [Fact]
    public async Task AdminTls_MissingKeyFile_OneSentence()
    {
        var result = await RefusedAsync(_data, "--admin", $"127.0.0.1:{ServerProcess.FreePort()}", "--admin-tls-cert", "/nonexistent/admin.crt");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("The certificate file /nonexistent/admin.crt does not exist.", result.Stderr);
    }

    private static async Task<bool> AnswersAsync(int port)
    {
        using var socket = new System.Net.Sockets.Socket(System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
        try
        {
            await socket.ConnectAsync(IPAddress.Loopback, port);
            return true;
        }
        catch (System.Net.Sockets.SocketException)
        {
            return false;
        }
    }
}
