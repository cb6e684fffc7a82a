using System.Globalization;
using System.Net;
using Baton.FunctionalTests.Infrastructure;

namespace Baton.FunctionalTests.Rollout;

/// <summary>
/// A router handover's window under a real supervisor: between the old router's <c>released</c>
/// and the moment the new one has loaded the saved state and taken the control socket, a change
/// the controller makes must reach the new router, not the old one (which no longer serves once
/// the new one is ready). The new router is held slow to take its control
/// socket after loading the state by the test-only <c>BATON_TEST_ROUTER_START_DELAY_MS</c>, as a loaded machine does.
/// </summary>
public sealed class RouterHandoverTests
{
    private const string Host = "handover.test";

    /// <summary>The child processes of <paramref name="parent"/>, from /proc.</summary>
    private static List<int> Children(int parent)
    {
        var children = new List<int>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid)) continue;
            try
            {
                var stat = File.ReadAllText(Path.Combine(dir, "stat"));
                // pid (comm) state ppid …: the command may hold spaces, so read after its last ')'.
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                if (int.Parse(fields[1], CultureInfo.InvariantCulture) == parent) children.Add(pid);
            }
            catch (IOException)
            {
                // Gone meanwhile.
            }
        }
        return children;
    }

    [Fact]
    public async Task MaintenanceTurnedOnWhileTheNewRouterStarts_TheNewRouterServesIt()
    {
        await using var live = await LiveServerProcess.StartAsync("web", "v1", Host,
            environment: new Dictionary<string, string> { ["BATON_TEST_ROUTER_START_DELAY_MS"] = "5000" });
        var server = live.Server;
        var old = (await live.ProcessesAsync())!.Pid;
        Assert.Equal(2, Children(server.Pid).Count); // router and controller

        var restart = BatonCli.RunAsync(server.CliEnvironment, ["router", "restart"], TimeSpan.FromSeconds(120));
        // The supervisor starts the new router once the old one said `released`: a third child. It says when it has
        // loaded the saved state and waits (the test delay) before taking the control socket.
        await Wait.UntilAsync(() => Task.FromResult(Children(server.Pid).Count >= 3), "the new router process is started", TimeSpan.FromSeconds(60));
        await Wait.UntilAsync(() => Task.FromResult(server.Output.Contains("(test delay)", StringComparison.Ordinal)), "the new router loaded its state", TimeSpan.FromSeconds(60));
        Assert.False(restart.IsCompleted, "The restart was over before the change was sent: the window was missed.");

        var (status, body, _) = await live.Api.PostAsync("/api/services/web/maintenance", """{"on":true,"message":"back soon"}""");
        Assert.True(status == HttpStatusCode.NoContent, $"{(int)status} {body}");

        var restarted = await restart;
        Assert.True(restarted.ExitCode == 0, restarted.ToString());
        int next = 0;
        await Wait.UntilAsync(async () => (await live.ProcessesAsync()) is { } r && (next = r.Pid) != old, "the new router answers", TimeSpan.FromSeconds(60));

        // The router that serves now has the change the controller was told succeeded.
        var answer = await RawHttp.SendAsync(server.ProxyUri, "GET", "/", host: Host);
        Assert.True(answer.Status == 503, $"router PID {next} answered {answer.Status} {answer.Body}: the maintenance turned on during the handover was lost");
        Assert.Contains("back soon", answer.Body);
    }

    [Fact]
    public async Task RestartWhileADeployIsHeld_RefusedOneSentence_TheRouterServesOn()
    {
        var data = RouterHost.NewDataDirectory();
        try
        {
            await using var server = await ServerProcess.StartAsync(data, ServerProcess.FreePort(), ServerProcess.FreePort());
            await using var app = await Baton.FunctionalTests.Deploy.BlueGreenApp.ForProcessAsync(server);
            await app.DeployOkAsync("v1");
            await app.DeployOkAsync("v2", "--hold");
            using var api = AccessClient.WithToken(server.AdminUri, server.Token);
            var router = await api.GetAsync("/api/router");

            // A new router would not keep the staged pool: the restart waits for a promote or an abort.
            var refused = await app.CliAsync("router", "restart");
            Assert.Equal(6, refused.ExitCode);
            BatonCli.AssertOneSentence(refused);
            Assert.Contains($"A deployment of {app.Name} is held for promote", refused.Stderr);
            Assert.Equal(router.Body, (await api.GetAsync("/api/router")).Body);
            Assert.Equal("v1", (await app.GetAsync()).Body.Trim());
            var promoted = await app.CliAsync("promote", app.Name);
            Assert.True(promoted.ExitCode == 0, promoted.ToString());
            Assert.Equal("v2", (await app.GetAsync()).Body.Trim());
        }
        finally
        {
            Directory.Delete(data, recursive: true);
        }
    }
}
