using System.Diagnostics;
using System.Text.Json;
using Baton.Contracts;
using Baton.FunctionalTests.Deploy;
using Baton.FunctionalTests.Infrastructure;
using Baton.Hosts.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Baton.FunctionalTests.Hosts;

/// <summary>
/// Faults across servers, through real sshd and real engines in the lab, under non-retrying load:
/// an app server cut off in the middle of a deploy, and the controller killed in the middle of one.
/// The live release keeps serving, and no container is left behind on any engine.
/// </summary>
public sealed class HostFaultTests(ITestOutputHelper output)
{
    [Fact]
    public async Task AppServerUnreachableWhileV2Starts_DeployFailsNamingIt_LiveUntouched_LeftoverRemovedOnceBack()
    {
        await using var lab = await TestLab.CreateAsync();
        await using var app = await BlueGreenApp.StartAsync();
        var (app1, app2) = (await LabServers.AddAsync(lab, app, "app1", output), await LabServers.AddAsync(lab, app, "app2", output));
        await app.ApplyOkAsync(app.Yaml("servers:\n  blue: [app1]\n  green: [app2]\ntarget:\n  mode: host", deployTimeout: "10s"));
        await app.DeployOkAsync("v1");   // blue, on app1

        await using var load = TrafficLoad.Start(app.ProxyUri, app.Host, slow: 1);
        await Task.Delay(500);
        var deploying = app.DeployAsync("v2");   // green, on app2
        await WaitForAsync(app2, app, "r2", deploying);
        await app2.DisconnectAsync();
        CliResult failed;
        try
        {
            failed = await deploying;
        }
        finally
        {
            await app2.ReconnectAsync();
        }
        output.WriteLine(failed.ToString());
        Assert.Equal(1, failed.ExitCode);
        Assert.Contains("app2", failed.Stderr);
        Assert.Contains("the live release was not touched", failed.Stderr);
        Assert.Contains("removed once the server answers again", failed.Stderr.Replace("\n", " ", StringComparison.Ordinal));
        Assert.Equal("v1", await app.LiveVersionAsync());
        output.WriteLine($"app2 after the failed deploy, reconnected: {string.Join(" | ", await LabServers.ContainersAsync(app2, app))}");

        // Back on the network: the next contact (a host check) removes what the failed deploy left there.
        var check = await app.CliAsync("host", "check", "app2");
        Assert.True(check.ExitCode == 0, check.ToString());
        Assert.Empty(await LabServers.ContainersAsync(app2, app));
        await load.StopAsync();
        output.WriteLine($"app2 cut off while v2 started on it: {load.Summary}");
        Assert.True(load.Failures.Count == 0, load.Summary + "\n" + string.Join("\n", load.Failures.Take(10)));

        // And the next deploy goes through, with the tests' usual 20 s deploy timeout: the 10 s above makes the cut-off
        // deploy fail fast, but a loaded machine can take longer than that to start the app (suite run 4 of
        // 2026-12-07, with ./demo.sh beside it: "never became healthy within 10 s", no log line written yet).
        await app.ApplyOkAsync(app.Yaml("servers:\n  blue: [app1]\n  green: [app2]\ntarget:\n  mode: host"));
        await app.DeployOkAsync("v2");
        Assert.Equal("v2", await app.LiveVersionAsync());
    }

    [Fact]
    public async Task ControllerKilledMidDeployAcrossServers_RouterKeepsServing_FinishedOrRolledBackOnEveryHost_NoOrphan()
    {
        await using var lab = await TestLab.CreateAsync();
        var data = RouterHost.NewDataDirectory();
        try
        {
            await using var server = await ServerProcess.StartAsync(data, ServerProcess.FreePort(), ServerProcess.FreePort());
            await using var app = await BlueGreenApp.ForProcessAsync(server);
            var hosts = new[] { await LabServers.AddAsync(lab, app, "app1", output), await LabServers.AddAsync(lab, app, "app2", output) };
            await app.ApplyOkAsync(app.Yaml("servers: [app1, app2]\nreplicas: 1\ntarget:\n  mode: host", deployTimeout: "30s"));
            await app.DeployOkAsync("v1");

            await using var load = TrafficLoad.Start(app.ProxyUri, app.Host, slow: 1);
            await Task.Delay(500);
            var deploying = app.DeployAsync("v2");
            foreach (var host in hosts) await WaitForAsync(host, app, "r2", deploying);
            var controller = await ControllerPidAsync(app);
            using (var kill = Process.Start("kill", ["-KILL", controller.ToString(System.Globalization.CultureInfo.InvariantCulture)])) await kill.WaitForExitAsync();
            var cut = await deploying;
            output.WriteLine(cut.ToString());
            Assert.NotEqual(0, cut.ExitCode);

            // A new controller recovers the deployment at its start: finished, or rolled back on every host.
            DeploymentView? ended = null;
            await Wait.UntilAsync(async () =>
            {
                try
                {
                    ended = (await app.HistoryAsync()).Deployments[0];
                    return ended.Outcome is not "running";
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
                {
                    return false;
                }
            }, "the new controller recovers the deployment", TimeSpan.FromSeconds(90));
            output.WriteLine($"#{ended!.Id} {ended.Outcome}: {ended.Reason}");
            Assert.Contains(ended.Outcome, new[] { "succeeded", "rolled-back" });
            bool finished = ended.Outcome == "succeeded";
            await Task.Delay(500);
            await load.StopAsync();
            output.WriteLine($"controller killed during the deploy of v2 across app1 and app2: {load.Summary}");
            Assert.True(load.Failures.Count == 0, load.Summary + "\n" + string.Join("\n", load.Failures.Take(10)));

            // Every host agrees: one release runs on each, and nothing else is left running or lying around.
            Assert.Equal(finished ? "v2" : "v1", await app.LiveVersionAsync());
            foreach (var host in hosts)
            {
                var containers = await LabServers.ContainersAsync(host, app);
                output.WriteLine($"{host.Name}: {string.Join(" | ", containers)}");
                var running = Assert.Single(containers, c => c.Contains(" running ", StringComparison.Ordinal));
                Assert.StartsWith(finished ? "r2 running web" : "r1 running web", running);
                if (!finished) Assert.DoesNotContain(containers, c => c.StartsWith("r2 ", StringComparison.Ordinal));
            }
            Assert.Empty(await app.ContainersAsync());
        }
        finally
        {
            Directory.Delete(data, recursive: true);
        }
    }

    /// <summary>Waits until a container of <paramref name="release"/> exists on the host (the deploy has started it there).</summary>
    private static async Task WaitForAsync(LabHost host, BlueGreenApp app, string release, Task<CliResult> deploying) =>
        await Wait.UntilAsync(async () =>
        {
            if (deploying.IsCompleted) throw new InvalidOperationException($"The deploy ended before {release} started on {host.Name}: {await deploying}");
            return (await LabServers.ContainersAsync(host, app)).Any(c => c.StartsWith(release + " ", StringComparison.Ordinal));
        }, $"{release} has a container on {host.Name}", TimeSpan.FromSeconds(60));

    private static async Task<int> ControllerPidAsync(BlueGreenApp app)
    {
        var (status, body) = await app.ApiAsync(HttpMethod.Get, "api/router");
        Assert.Equal(200, status);
        var processes = JsonSerializer.Deserialize(body, BatonJson.Default.RouterProcessResponse)!;
        Assert.NotNull(processes.ControllerPid);
        return processes.ControllerPid!.Value;
    }
}
