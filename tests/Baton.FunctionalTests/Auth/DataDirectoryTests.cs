using System.Net;
using System.Text;
using System.Text.Json;
using Baton.Contracts;
using Baton.FunctionalTests.Infrastructure;

namespace Baton.FunctionalTests.Auth;

/// <summary>
/// Issue 12, point 6, through a real <c>baton server</c> process: a secret env value applied
/// through the API is nowhere in clear in the data directory's databases, every file Baton wrote
/// there is owner-only, and files loosened by hand are tightened at the next start with a warning.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")] // file modes
public sealed class DataDirectoryTests : IAsyncLifetime
{
    private const string Secret = "s3cr3t-db-password-of-the-shop";
    private readonly string _data = RouterHost.NewDataDirectory();
    private readonly int _proxyPort = ServerProcess.FreePort(), _adminPort = ServerProcess.FreePort();
    private ServerProcess _server = null!;
    private Backend _backend = null!;

    public async Task InitializeAsync()
    {
        _backend = await Backend.StartAsync("shop");
        _server = await ServerProcess.StartAsync(_data, _proxyPort, _adminPort);
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        await _backend.DisposeAsync();
        Directory.Delete(_data, recursive: true);
    }

    /// <summary>Applies a service with a secret and routes a service, so that every kind of file exists.</summary>
    private async Task FillAsync()
    {
        using var api = AccessClient.WithToken(_server.AdminUri, _server.Token);
        var yaml = $"service: shop\nimage: 127.0.0.1:5000/shop\nenv:\n  GREETING: hello\n  DB_PASSWORD: {{ secret: {Secret} }}\n";
        var (status, body, _) = await api.PostAsync("/api/services", JsonSerializer.Serialize(new ApplyRequest(yaml, "baton.yml"), BatonJson.Default.ApplyRequest));
        Assert.True(status == HttpStatusCode.OK, body);
        var deploy = JsonSerializer.Serialize(RouterHost.Request([_backend], hosts: ["web.example.com"]), BatonJson.Default.DeployRequest);
        (status, body, _) = await api.PostAsync("/api/services/web/deploy", deploy);
        Assert.True(status == HttpStatusCode.OK && body.Contains("\"done\"", StringComparison.Ordinal), body);
        var definition = (await api.GetAsync("/api/services/shop/definition")).Body;
        Assert.DoesNotContain(Secret, definition);
    }

    private string[] Files() => Directory.GetFiles(_data).Order(StringComparer.Ordinal).ToArray();

    private static string Bytes(string file)
    {
        // The running server holds an exclusive flock on baton.lock, which .NET's FileStream honours
        // even for a reader; the file is meant to stay empty (the PID is in baton.pid).
        if (Path.GetFileName(file) == "baton.lock")
        {
            Assert.Equal(0, new FileInfo(file).Length);
            return "";
        }
        // The router's control socket (router-PID.sock, and the router.sock link to it) holds
        // nothing at rest and cannot be opened as a file; its mode is checked like every file's.
        if (System.Text.RegularExpressions.Regex.IsMatch(Path.GetFileName(file), @"^router(-\d+)?\.sock$")) return "";
        using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return Encoding.Latin1.GetString(copy.ToArray());
    }

    [Fact]
    public async Task SecretApplied_NotInClearInAnyFile_AndEveryFileOwnerOnly()
    {
        await FillAsync();

        var names = Files().Select(Path.GetFileName).ToList();
        foreach (var expected in new[] { "baton.db", "baton.db-wal", "access.db", "secrets.key", "router-state.json", "admin-token" })
            Assert.Contains(expected, names);
        foreach (var file in Files())
        {
            Assert.DoesNotContain(Secret, Bytes(file));
            Assert.True(File.GetUnixFileMode(file) == (UnixFileMode.UserRead | UnixFileMode.UserWrite), $"{file} is {File.GetUnixFileMode(file)}");
        }
        await _server.KillAsync();
        foreach (var file in Files()) Assert.DoesNotContain(Secret, Bytes(file));
    }

    [Fact]
    public async Task FilesLoosenedByHand_TightenedAtNextStart_WithAWarningEach()
    {
        await FillAsync();
        await _server.KillAsync();
        const UnixFileMode loose = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;
        foreach (var name in new[] { "baton.db", "router-state.json", "secrets.key" }) File.SetUnixFileMode(Path.Combine(_data, name), loose);

        await _server.DisposeAsync();
        _server = await ServerProcess.StartAsync(_data, _proxyPort, _adminPort);

        // The console logger writes on its own thread: wait for the lines, then check each.
        await Wait.UntilAsync(() => Task.FromResult(_server.Output.Contains("secrets.key could be read by others", StringComparison.Ordinal)), "the warnings", TimeSpan.FromSeconds(10));
        foreach (var name in new[] { "baton.db", "router-state.json", "secrets.key" })
        {
            Assert.Contains($"{Path.Combine(_data, name)} could be read by others (mode 644); Baton made it owner-only", _server.Output);
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(_data, name)));
        }
        // The service's route and definition came back with it.
        var answer = await RawHttp.SendAsync(_server.ProxyUri, "GET", "/", host: "web.example.com");
        Assert.Equal((200, "shop"), (answer.Status, answer.Body));
        using var api = AccessClient.WithToken(_server.AdminUri, _server.Token);
        Assert.Contains("\"DB_PASSWORD\":\"", (await api.GetAsync("/api/services/shop/definition")).Body);
    }
}
