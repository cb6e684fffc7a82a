using System.Net;
using System.Text.Json;
using Baton.Contracts;
using Baton.Deploy.Tests.ServiceFile;
using Baton.FunctionalTests.Infrastructure;

namespace Baton.FunctionalTests.Api;

/// <summary>
/// Issue 12, point 1: the service files that overflowed the stack or were too large, sent to a
/// real <c>baton server</c> process through the API and the CLI. Each is refused with one
/// sentence, the process stays up, public traffic keeps flowing, nothing is stored, and the
/// refusal is in the audit log.
/// </summary>
public sealed class HostileServiceFileTests : IAsyncLifetime
{
    private LiveServerProcess _live = null!;
    private ServerProcess _server = null!;
    private AccessClient _api = null!;

    public async Task InitializeAsync()
    {
        _live = await LiveServerProcess.StartAsync("live", "live", "live.example.com");
        (_server, _api) = (_live.Server, _live.Api);
    }

    public async Task DisposeAsync() => await _live.DisposeAsync();

    public static TheoryData<string, int, string> Files() => new()
    {
        { "deep-lists", 400, "nested more than 16 deep" },
        { "deep-mappings", 400, "nested more than 16 deep" },
        { "many-env", 400, "more than 1,000 entries" },
        { "huge", 413, "larger than this call takes" },
        { "just-over", 413, "a service file may have at most 262,144" },
    };

    private static string FileText(string name) => name switch
    {
        "deep-lists" => HostileFiles.DeepLists(),
        "deep-mappings" => HostileFiles.DeepMappings(),
        "many-env" => HostileFiles.ManyEnv(1001),
        "huge" => HostileFiles.Huge(),
        // Under the body limit, over the file's: refused by the file's own bound.
        _ => HostileFiles.ManyEnv(0) + "# " + new string('x', 262_144) + "\n",
    };

    [Theory]
    [MemberData(nameof(Files))]
    public async Task Apply_HostileFileThroughApi_RefusedWithOneSentence_ServerUp_TrafficFlows_NothingStored_Audited(string name, int expected, string words)
    {
        var traffic = PublicTrafficAsync(out var stop);
        var json = JsonSerializer.Serialize(new ApplyRequest(FileText(name), name + ".yml"), BatonJson.Default.ApplyRequest);
        var (status, body, _) = await _api.PostAsync("/api/services", json);
        stop.Cancel();
        var (ok, failed) = await traffic;

        Assert.Equal(expected, (int)status);
        var error = JsonSerializer.Deserialize(body, BatonJson.Default.ApiError)!;
        Assert.Contains(words, error.Error);
        Assert.EndsWith("nothing was " + (expected == 413 && name == "huge" ? "changed." : "applied."), error.Error);
        Assert.Null(error.Details);
        await AssertUnharmedAsync(ok, failed);

        var audit = JsonSerializer.Deserialize((await _api.GetAsync("/api/audit?limit=5")).Body, BatonJson.Default.AuditResponse)!;
        var entry = audit.Entries.First(e => e.Action == "apply");
        Assert.Equal("failed", entry.Outcome);
        Assert.Equal(error.Error, entry.Detail);
    }

    [Theory]
    [InlineData("deep-lists", "nested more than 16 deep")]
    [InlineData("deep-mappings", "nested more than 16 deep")]
    [InlineData("huge", "larger than this call takes")]
    public async Task Apply_HostileFileThroughCli_ExitsBadInputWithOneSentence_ServerUp_NothingStored(string name, string words)
    {
        var dir = Directory.CreateTempSubdirectory("baton-ft-hostile-").FullName;
        try
        {
            var file = Path.Combine(dir, "deep.yml");
            await File.WriteAllTextAsync(file, FileText(name));
            var traffic = PublicTrafficAsync(out var stop);
            var result = await BatonCli.RunAsync(_server.CliEnvironment, ["apply", "-f", file]);
            stop.Cancel();
            var (ok, failed) = await traffic;

            Assert.Equal(2, result.ExitCode);
            BatonCli.AssertOneSentence(result);
            Assert.Contains(words, result.Stderr);
            await AssertUnharmedAsync(ok, failed);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>The server process is up, every public request succeeded, and no service was applied.</summary>
    private async Task AssertUnharmedAsync(int ok, int failed)
    {
        Assert.False(_server.HasExited, _server.Output);
        Assert.True(ok > 0 && failed == 0, $"public requests during the attack: {ok} ok, {failed} failed");
        var after = await RawHttp.SendAsync(_server.ProxyUri, "GET", "/", host: "live.example.com");
        Assert.Equal((200, "live"), (after.Status, after.Body));
        var services = JsonSerializer.Deserialize((await _api.GetAsync("/api/services")).Body, BatonJson.Default.AppliedServicesResponse)!;
        Assert.Empty(services.Services);
        Assert.Equal(HttpStatusCode.NotFound, (await _api.GetAsync("/api/services/web/definition")).Status);
    }

    /// <summary>Requests to the public listener, one after another, until stopped (at most 100,000).</summary>
    private Task<(int Ok, int Failed)> PublicTrafficAsync(out CancellationTokenSource stop)
    {
        var cts = stop = new CancellationTokenSource();
        return Task.Run(async () =>
        {
            int ok = 0, failed = 0;
            // At least one request, even when the refusal came first.
            for (int i = 0; i < 100_000 && (i == 0 || !cts.IsCancellationRequested); i++)
            {
                try
                {
                    var r = await RawHttp.SendAsync(_server.ProxyUri, "GET", "/", host: "live.example.com");
                    if (r.Status == 200 && r.Body == "live") ok++;
                    else failed++;
                }
                catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException)
                {
                    failed++;
                }
            }
            return (ok, failed);
        });
    }
}
