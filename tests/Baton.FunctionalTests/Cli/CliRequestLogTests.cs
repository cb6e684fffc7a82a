using System.Text.Json;
using Baton.FunctionalTests.Infrastructure;

namespace Baton.FunctionalTests.Cli;

/// <summary>The request log flags of <c>baton server</c> and <c>baton router run</c>, and the log under the supervisor across a router restart.</summary>
public sealed class CliRequestLogTests
{
    [Theory]
    [InlineData("server", new[] { "--request-log-sample", "0.5" }, "--request-log-sample needs --request-log")]
    [InlineData("server", new[] { "--request-log", "stdout", "--request-log-keep", "3" }, "standard output is not rotated")]
    [InlineData("server", new[] { "--request-log", "requests.log", "--request-log-sample", "2" }, "more than 0 and at most 1")]
    [InlineData("server", new[] { "--request-log", "requests.log", "--request-log-max-size", "10KB" }, "at least 1MB")]
    [InlineData("server", new[] { "--request-log", "/nonexistent-baton-folder/requests.log" }, "Cannot open the request log /nonexistent-baton-folder/requests.log for appending")]
    [InlineData("router run", new[] { "--request-log", "/nonexistent-baton-folder/requests.log" }, "Cannot open the request log /nonexistent-baton-folder/requests.log for appending")]
    public async Task Flags_BadValue_RefusedInOneSentenceBeforeAnythingStarts(string command, string[] flags, string expected)
    {
        var data = RouterHost.NewDataDirectory();
        try
        {
            string[] listeners = command == "server"
                ? ["--listen", "127.0.0.1:0", "--admin", "127.0.0.1:0", "--listen-staging", "127.0.0.1:0"]
                : ["--listen", "127.0.0.1:0", "--listen-staging", "127.0.0.1:0"];
            var result = await BatonCli.RunAsync(new Dictionary<string, string?>(), [.. command.Split(' '), .. listeners, "--data", data, .. flags], TimeSpan.FromSeconds(30));
            Assert.Equal(2, result.ExitCode);
            BatonCli.AssertOneSentence(result);
            Assert.Contains(expected, result.Stderr);
            Assert.False(File.Exists(Path.Combine(data, "router-state.json")), "nothing may start");
        }
        finally
        {
            Directory.Delete(data, recursive: true);
        }
    }

    [Fact]
    public async Task SupervisedServer_RouterRestarted_BothRouterProcessesLogToTheSameFile()
    {
        var data = RouterHost.NewDataDirectory();
        var logFile = Path.Combine(data, "requests.log");
        await using var backend = await Backend.StartAsync("v1");
        try
        {
            await using (var server = await ServerProcess.StartAsync(data, ServerProcess.FreePort(), ServerProcess.FreePort(), extraArgs: ["--request-log", logFile]))
            {
                var deploy = await BatonCli.RunAsync(server.CliEnvironment, ["deploy", "web", "--target", backend.Address, "--health-interval", "100ms"]);
                Assert.True(deploy.ExitCode == 0, deploy.ToString());

                var first = await RawHttp.SendAsync(server.ProxyUri, "GET", "/a?key=query-secret", headers: ["X-Request-ID: before-restart"]);
                Assert.Equal(200, first.Status);
                var restart = await BatonCli.RunAsync(server.CliEnvironment, ["router", "restart"]);
                Assert.True(restart.ExitCode == 0, restart.ToString());
                var second = await RawHttp.SendAsync(server.ProxyUri, "GET", "/b", headers: ["X-Request-ID: after-restart", "Cookie: session=cookie-secret"]);
                Assert.Equal(200, second.Status);
                Assert.Equal("after-restart", second.Header("X-Request-ID"));

                await Wait.UntilAsync(() => File.Exists(logFile) && File.ReadAllText(logFile).Contains("\"after-restart\"", StringComparison.Ordinal),
                    "the new router process's line", TimeSpan.FromSeconds(15));
            }
            // Whole lines from both processes, each valid JSON; the file is its owner's alone.
            var lines = File.ReadAllLines(logFile).Select(l => JsonDocument.Parse(l).RootElement)
                .Where(l => l.GetProperty("request_id").GetString() is "before-restart" or "after-restart").ToList();
            Assert.Equal(["before-restart", "after-restart"], lines.Select(l => l.GetProperty("request_id").GetString()));
            Assert.Equal(["/a", "/b"], lines.Select(l => l.GetProperty("path").GetString()));
            Assert.All(lines, l => Assert.Equal("web", l.GetProperty("service").GetString()));
            var text = File.ReadAllText(logFile);
            Assert.DoesNotContain("query-secret", text);
            Assert.DoesNotContain("cookie-secret", text);
            if (!OperatingSystem.IsWindows()) Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(logFile));
        }
        finally
        {
            Directory.Delete(data, recursive: true);
        }
    }
}
