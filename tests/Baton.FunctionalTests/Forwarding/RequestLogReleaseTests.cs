using System.Text.Json;
using Baton.FunctionalTests.Deploy;
using Baton.FunctionalTests.Infrastructure;

namespace Baton.FunctionalTests.Forwarding;

/// <summary>
/// The request log's <c>release</c> through real Docker deploys of the sample app on a supervised
/// server (the router in its own process, told each pool's release over the control socket): each
/// line names the release and colour the history says served it, also after the router restarts.
/// </summary>
public sealed class RequestLogReleaseTests
{
    [Fact]
    public async Task Deploys_V1ThenV2ThenRouterRestart_EachLineNamesTheLiveReleaseAndColour()
    {
        var data = RouterHost.NewDataDirectory();
        var logFile = Path.Combine(data, "requests.log");
        try
        {
            await using var server = await ServerProcess.StartAsync(data, ServerProcess.FreePort(), ServerProcess.FreePort(), extraArgs: ["--request-log", logFile]);
            await using var app = await BlueGreenApp.ForProcessAsync(server);

            await app.DeployOkAsync("v1");
            var first = await app.LatestAsync();
            await AssertLoggedAsync(app, logFile, "on-v1", "v1", first.Release, first.Color);

            await app.DeployOkAsync("v2");
            var second = await app.LatestAsync();
            Assert.NotEqual(first.Release, second.Release);
            Assert.NotEqual(first.Color, second.Color);
            await AssertLoggedAsync(app, logFile, "on-v2", "v2", second.Release, second.Color);

            // A new router process reads the pool's release back from router-state.json.
            var restart = await app.CliAsync("router", "restart");
            Assert.True(restart.ExitCode == 0, restart.ToString());
            await app.WaitLiveAsync("v2");
            await AssertLoggedAsync(app, logFile, "after-restart", "v2", second.Release, second.Color);
        }
        finally
        {
            Directory.Delete(data, recursive: true);
        }
    }

    /// <summary>Sends one request with <paramref name="id"/> and waits for its line.</summary>
    private static async Task AssertLoggedAsync(BlueGreenApp app, string logFile, string id, string version, string release, string? color)
    {
        var response = await RawHttp.SendAsync(app.ProxyUri, "GET", "/version", app.Host, headers: [$"X-Request-ID: {id}"]);
        Assert.Equal(200, response.Status);
        Assert.Equal(version, response.Body);
        JsonElement? line = null;
        await Wait.UntilAsync(() =>
        {
            // Only whole lines: the writer may be appending a batch right now.
            var text = File.Exists(logFile) ? File.ReadAllText(logFile) : "";
            line = text[..(text.LastIndexOf('\n') + 1)].Split('\n', StringSplitOptions.RemoveEmptyEntries)
                .Select(l => JsonDocument.Parse(l).RootElement).Where(l => l.GetProperty("request_id").GetString() == id).Cast<JsonElement?>().FirstOrDefault();
            return line is not null;
        }, $"the request log line of {id}", TimeSpan.FromSeconds(15));
        Assert.Equal(app.Name, line!.Value.GetProperty("service").GetString());
        Assert.Equal(release, line.Value.GetProperty("release").GetString());
        Assert.Equal(color, line.Value.GetProperty("color").GetString());
    }
}
