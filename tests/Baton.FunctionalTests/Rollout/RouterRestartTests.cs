using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Baton.Contracts;
using Baton.FunctionalTests.Deploy;
using Baton.FunctionalTests.Infrastructure;

namespace Baton.FunctionalTests.Rollout;

/// <summary>
/// The router process replaced under a real <c>baton server</c> supervisor: the listening sockets
/// stay open in the supervisor and pass to each new worker, so a restart (SIGHUP or
/// <c>baton router restart</c>) refuses no connection and fails no request, and a worker that
/// dies is replaced at once with the saved routes.
/// </summary>
public sealed class RouterRestartTests : IAsyncLifetime
{
    private const string Host = "restart.test";
    private LiveServerProcess _live = null!;
    private ServerProcess _server = null!;
    private AccessClient _api = null!;

    public async Task InitializeAsync()
    {
        _live = await LiveServerProcess.StartAsync("web", "v1", Host);
        (_server, _api) = (_live.Server, _live.Api);
    }

    public async Task DisposeAsync() => await _live.DisposeAsync();

    /// <summary>The router process that answers the admin API now; null while none does (a handover's moment).</summary>
    private Task<RouterProcessResponse?> RouterAsync() => _live.ProcessesAsync();

    private async Task<int> WaitForNewWorkerAsync(int old)
    {
        int pid = 0;
        await Wait.UntilAsync(async () => (await RouterAsync()) is { } r && (pid = r.Pid) != old, $"a router process other than PID {old}", TimeSpan.FromSeconds(60));
        return pid;
    }

    private static bool Running(int pid) => Directory.Exists($"/proc/{pid}") && !File.ReadAllText($"/proc/{pid}/stat").Contains(") Z ", StringComparison.Ordinal);

    [Fact]
    public async Task RestartedBySighupAndByTheCommand_UnderLoad_NoFailedRequest_OldProcessesDrainAndExit()
    {
        var first = await RouterAsync();
        Assert.NotNull(first);
        Assert.True(first!.Supervised);
        Assert.Equal(0, first.Restarts);
        await using var load = TrafficLoad.Start(_server.ProxyUri, Host, fresh: 3, keptAlive: 2, echo: 0, slow: 2);
        await Wait.UntilAsync(() => Task.FromResult(load.Requests > 50), "the load is flowing", TimeSpan.FromSeconds(30));

        var pids = new List<int> { first.Pid };
        for (int i = 0; i < 4; i++)
        {
            if (i % 2 == 0)
            {
                using var hup = Process.Start("kill", ["-HUP", _server.Pid.ToString(System.Globalization.CultureInfo.InvariantCulture)])!;
                await hup.WaitForExitAsync();
            }
            else
            {
                var restart = await BatonCli.RunAsync(_server.CliEnvironment, ["router", "restart"], TimeSpan.FromSeconds(90));
                Assert.True(restart.ExitCode == 0, restart.ToString());
                Assert.Contains("Router restarted in", restart.Stdout);
            }
            pids.Add(await WaitForNewWorkerAsync(pids[^1]));
            long before = load.Requests;
            await Wait.UntilAsync(() => Task.FromResult(load.Requests > before + 30), "the load flows through the new process", TimeSpan.FromSeconds(30));
        }
        await load.StopAsync();

        Assert.True(load.Failures.Count == 0, load.Summary);
        Assert.Equal(5, pids.Distinct().Count());
        var last = await RouterAsync();
        Assert.Equal((pids[^1], 4), (last!.Pid, last.Restarts));
        // Each old process drained its requests (slow ones last 1.5 s) and exited.
        foreach (var old in pids.Take(4))
            await Wait.UntilAsync(() => Task.FromResult(!Running(old)), $"PID {old} exits", TimeSpan.FromSeconds(30));
        Assert.False(_server.HasExited);
        Assert.Contains("Router restarted in", _server.Output);
    }

    [Fact]
    public async Task WorkerKilled_ANewOneServesTheSavedRoutesAtOnce()
    {
        var old = (await RouterAsync())!.Pid;
        using (var kill = Process.Start("kill", ["-KILL", old.ToString(System.Globalization.CultureInfo.InvariantCulture)])!) await kill.WaitForExitAsync();

        var next = await WaitForNewWorkerAsync(old);

        var answer = await RawHttp.SendAsync(_server.ProxyUri, "GET", "/", host: Host);
        Assert.Equal((200, "v1"), (answer.Status, answer.Body));
        Assert.False(_server.HasExited);
        Assert.Contains($"The router process (PID {old}) exited", _server.Output);
        Assert.NotEqual(old, next);
    }
}

/// <summary>A Baton in one process (no supervisor) cannot hand its sockets over, and says so.</summary>
public sealed class RouterRestartWithoutSupervisorTests
{
    [Fact]
    public async Task Restart_InProcess_409InOneSentence_NothingStopped()
    {
        await using var router = await RouterHost.StartAsync();
        await using var backend = await Backend.StartAsync("one");
        await router.DeployOkAsync("web", backend);

        using var response = await router.Admin.PostAsync("api/router/restart", null);
        var body = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Contains("runs without its supervisor", JsonSerializer.Deserialize(body, BatonJson.Default.ApiError)!.Error);
        var status = JsonSerializer.Deserialize(await router.Admin.GetStringAsync("api/router"), BatonJson.Default.RouterProcessResponse)!;
        Assert.False(status.Supervised);
        Assert.Equal(200, (await RawHttp.SendAsync(router.ProxyUri, "GET", "/")).Status);
    }
}
