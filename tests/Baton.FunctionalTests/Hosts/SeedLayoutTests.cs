using Baton.Deploy;
using Baton.FunctionalTests.Deploy;
using Baton.FunctionalTests.Infrastructure;
using Baton.Hosts.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Baton.FunctionalTests.Hosts;

/// <summary>
/// The seed's layout on one machine: a blue server and a green server, each a network namespace
/// with its own Docker engine and sshd; the controller (and router) reach them only through
/// `baton host`'s forced command, added with `baton host add` and the authorized_keys line it prints.
/// </summary>
public sealed class SeedLayoutTests(ITestOutputHelper output)
{
    [Fact]
    public async Task BlueOnApp1_GreenOnApp2_ThroughForcedCommands_V1ToV2UnderLoad_ZeroFailed()
    {
        await using var lab = await TestLab.CreateAsync();
        await using var app = await BlueGreenApp.StartAsync();
        var (app1, app2) = (await LabServers.AddAsync(lab, app, "app1", output), await LabServers.AddAsync(lab, app, "app2", output));

        // Host mode: these engines run no bridge; each app binds the port Baton gives on its server's address.
        await app.ApplyOkAsync(app.Yaml("servers:\n  blue: [app1]\n  green: [app2]\ntarget:\n  mode: host"));
        var first = await app.DeployOkAsync("v1");
        output.WriteLine(first.ToString());
        Assert.Equal("v1", await app.LiveVersionAsync());

        var (_, versions) = await DeployUnderLoadAsync(app, "v2");
        Assert.Contains("v1", versions);
        Assert.Contains("v2", versions);
        Assert.Equal("v2", await app.LiveVersionAsync());

        // Where the containers are: v1 on app1 (stopped after the switch, kept for a rollback), v2 on
        // app2 at app2's address; none on this machine's own engine.
        var onApp1 = await app1.DockerAsync("ps", "-a", "--filter", $"label={ContainerLabels.Service}={app.Name}", "--format", "{{.Label \"baton.release\"}} {{.State}} {{.Label \"baton.target\"}}");
        var onApp2 = await app2.DockerAsync("ps", "-a", "--filter", $"label={ContainerLabels.Service}={app.Name}", "--format", "{{.Label \"baton.release\"}} {{.State}} {{.Label \"baton.target\"}}");
        output.WriteLine($"app1: {onApp1.Output}\napp2: {onApp2.Output}");
        Assert.Contains("exited", onApp1.Output);
        Assert.DoesNotContain("running", onApp1.Output);
        Assert.Contains($"running {app2.Address}:", onApp2.Output);
        Assert.Empty(await app.ContainersAsync());
    }

    [Fact]
    public async Task EveryColourOnEachServer_ReplicasPerServer_TrafficOnBoth_V1ToV2UnderLoad_ZeroFailed()
    {
        await using var lab = await TestLab.CreateAsync();
        await using var app = await BlueGreenApp.StartAsync();
        var (app1, app2) = (await LabServers.AddAsync(lab, app, "app1", output), await LabServers.AddAsync(lab, app, "app2", output));
        await app.ApplyOkAsync(app.Yaml("servers: [app1, app2]\nreplicas: 1\ntarget:\n  mode: host"));
        await app.DeployOkAsync("v1");

        var (_, versions) = await DeployUnderLoadAsync(app, "v2");
        Assert.Equal("v2", await app.LiveVersionAsync());

        // One v2 replica running on each server, each the router's target at its server's address.
        foreach (var host in new[] { app1, app2 })
        {
            var listed = await host.DockerAsync("ps", "--filter", $"label={ContainerLabels.Service}={app.Name}", "--format", "{{.Label \"baton.release\"}} {{.Label \"baton.target\"}}");
            output.WriteLine($"{host.Name}: {listed.Output}");
            var line = Assert.Single(listed.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            Assert.StartsWith($"r2 {host.Address}:", line);
        }
        var live = await app.ApiAsync(HttpMethod.Get, "api/status");
        Assert.Contains(app1.Address.ToString(), live.Body);
        Assert.Contains(app2.Address.ToString(), live.Body);
    }

    /// <summary>Deploys <paramref name="tag"/> while a non-retrying GET loop runs through the router; asserts none failed.</summary>
    private async Task<(int Requests, HashSet<string> Versions)> DeployUnderLoadAsync(BlueGreenApp app, string tag)
    {
        using var stop = new CancellationTokenSource();
        var load = Task.Run(() => LoadAsync(app, stop.Token));
        await Task.Delay(500);
        await app.DeployOkAsync(tag);
        await Task.Delay(500);
        await stop.CancelAsync();
        var (requests, failures, versions) = await load;
        output.WriteLine($"{requests} requests, {failures.Count} failed; versions {string.Join(", ", versions)}");
        Assert.True(failures.Count == 0, string.Join("\n", failures.Take(10)));
        return (requests, versions);
    }

    private static async Task<(int Requests, List<string> Failures, HashSet<string> Versions)> LoadAsync(BlueGreenApp app, CancellationToken stop)
    {
        int requests = 0;
        var failures = new List<string>();
        var versions = new HashSet<string>();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(120); // bounded even if stop never comes
        while (!stop.IsCancellationRequested && DateTime.UtcNow < deadline)
        {
            requests++;
            try
            {
                var r = await app.GetAsync();
                if (r.Status == 200) versions.Add(r.Body.Trim());
                else failures.Add($"{r.Status} {r.Body.Trim()}");
            }
            catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException or TimeoutException)
            {
                failures.Add(e.Message);
            }
        }
        return (requests, failures, versions);
    }
}
