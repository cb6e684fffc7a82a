using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json;
using Baton.Contracts;
using Baton.FunctionalTests.Deploy;
using Baton.FunctionalTests.Infrastructure;

namespace Baton.FunctionalTests.Rollout;

/// <summary>
/// Under the supervisor the router and the controller (admin API, page, deployer) are separate
/// processes: a controller that crashes or hangs never touches public traffic, and a new one
/// takes the admin listener and reaches the same router.
/// </summary>
public sealed class ControllerProcessTests : IAsyncLifetime
{
    private const string Host = "controller.test";
    private LiveServerProcess _live = null!;

    public async Task InitializeAsync() => _live = await LiveServerProcess.StartAsync("web", "v1", Host);

    public async Task DisposeAsync() => await _live.DisposeAsync();

    private Task<RouterProcessResponse?> ProcessesAsync() => _live.ProcessesAsync();

    private static async Task SignalAsync(string signal, int pid)
    {
        using var kill = Process.Start("kill", [$"-{signal}", pid.ToString(CultureInfo.InvariantCulture)])!;
        await kill.WaitForExitAsync();
    }

    [Fact]
    public async Task RouterAndController_AreSeparateProcesses_ControllerKilledUnderLoad_NoFailedRequest_ANewOneAnswers()
    {
        var first = await ProcessesAsync();
        Assert.NotNull(first);
        Assert.NotNull(first!.ControllerPid);
        Assert.NotEqual(first.Pid, first.ControllerPid);
        await using var load = TrafficLoad.Start(_live.Server.ProxyUri, Host, fresh: 3, keptAlive: 2, echo: 0, slow: 2);
        await Wait.UntilAsync(() => Task.FromResult(load.Requests > 50), "the load is flowing", TimeSpan.FromSeconds(30));

        await SignalAsync("KILL", first.ControllerPid!.Value);
        long atKill = load.Requests;
        await Wait.UntilAsync(() => Task.FromResult(load.Requests > atKill + 100), "the load flows with no controller", TimeSpan.FromSeconds(30));
        RouterProcessResponse? next = null;
        await Wait.UntilAsync(async () => (next = await ProcessesAsync()) is { } r && r.ControllerPid != first.ControllerPid, "a new controller answers the admin API", TimeSpan.FromSeconds(60));
        long after = load.Requests;
        await Wait.UntilAsync(() => Task.FromResult(load.Requests > after + 50), "the load goes on", TimeSpan.FromSeconds(30));
        await load.StopAsync();

        Assert.True(load.Failures.Count == 0, load.Summary);
        Assert.Equal(first.Pid, next!.Pid); // the router was never restarted
        Assert.Equal(0, next.Restarts);
        Assert.Contains($"The controller process (PID {first.ControllerPid}) exited", _live.Server.Output);
        // The new controller sees the router's routes: the service is live, with its target.
        var (status, body, _) = await _live.Api.GetAsync("/api/status");
        Assert.Equal(HttpStatusCode.OK, status);
        var web = Assert.Single(JsonSerializer.Deserialize(body, BatonJson.Default.StatusResponse)!.Services);
        Assert.Equal(_live.Backend.Address, Assert.Single(web.Active!.Targets).Address);
    }

    [Fact]
    public async Task ControllerHung_PublicTrafficUnaffected_ApiBackWhenItResumes()
    {
        var first = (await ProcessesAsync())!;
        await using var load = TrafficLoad.Start(_live.Server.ProxyUri, Host, fresh: 2, keptAlive: 2, echo: 0, slow: 1);
        await Wait.UntilAsync(() => Task.FromResult(load.Requests > 50), "the load is flowing", TimeSpan.FromSeconds(30));

        await SignalAsync("STOP", first.ControllerPid!.Value);
        try
        {
            long atStop = load.Requests;
            await Task.Delay(TimeSpan.FromSeconds(3));
            Assert.Null(await ProcessesAsync()); // the admin API hangs with its process …
            Assert.True(load.Requests > atStop + 100, $"only {load.Requests - atStop} requests while the controller was stopped");
        }
        finally
        {
            await SignalAsync("CONT", first.ControllerPid.Value);
        }
        await Wait.UntilAsync(async () => await ProcessesAsync() is not null, "the controller answers again", TimeSpan.FromSeconds(30));
        await load.StopAsync();

        Assert.True(load.Failures.Count == 0, load.Summary); // … the public listeners never did
    }
}

/// <summary>
/// Installing a new Baton upgrades a running one: when the program's files on disk change, the
/// supervisor replaces the controller and hands the router over, with no failed public request.
/// </summary>
public sealed class UpgradeOnDiskTests
{
    [Fact]
    public async Task ProgramOnDiskChanged_UnderLoad_RouterAndControllerReplaced_NoFailedRequest()
    {
        const string host = "upgrade.test";
        // A copy of the program of its own: other tests' servers run from the test output.
        var program = Directory.CreateTempSubdirectory("baton-ft-program-").FullName;
        try
        {
            var copied = await SampleImages.RunAsync("cp", ["-a", AppContext.BaseDirectory + "/.", program], TimeSpan.FromMinutes(2));
            Assert.True(copied.ExitCode == 0, copied.ToString());
            await using var live = await LiveServerProcess.StartAsync("web", "v1", host, program);
            var before = (await live.ProcessesAsync())!;
            await using var load = TrafficLoad.Start(live.Server.ProxyUri, host, fresh: 3, keptAlive: 2, echo: 0, slow: 2);
            await Wait.UntilAsync(() => Task.FromResult(load.Requests > 50), "the load is flowing", TimeSpan.FromSeconds(30));

            // "Install" a new build: the same files, newer on disk.
            File.SetLastWriteTimeUtc(Path.Combine(program, "baton.dll"), DateTime.UtcNow);

            RouterProcessResponse? after = null;
            await Wait.UntilAsync(async () => (after = await live.ProcessesAsync()) is { } a && a.Pid != before.Pid && a.ControllerPid != before.ControllerPid,
                "a new router and a new controller serve", TimeSpan.FromSeconds(60));
            long now = load.Requests;
            await Wait.UntilAsync(() => Task.FromResult(load.Requests > now + 50), "the load goes on through the new router", TimeSpan.FromSeconds(30));
            await load.StopAsync();

            Assert.True(load.Failures.Count == 0, load.Summary);
            Assert.Equal(1, after!.Restarts);
            Assert.Contains("The program on disk changed", live.Server.Output);
        }
        finally
        {
            Directory.Delete(program, recursive: true);
        }
    }
}
