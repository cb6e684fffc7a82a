using System.Text.RegularExpressions;
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
public sealed partial class SeedLayoutTests(ITestOutputHelper output)
{
    [Fact]
    public async Task BlueOnApp1_GreenOnApp2_ThroughForcedCommands_V1ToV2UnderLoad_ZeroFailed()
    {
        await using var lab = await TestLab.CreateAsync();
        await using var app = await BlueGreenApp.StartAsync();
        var (app1, app2) = (await AddServerAsync(lab, app, "app1"), await AddServerAsync(lab, app, "app2"));

        // Host mode: these engines run no bridge; each app binds the port Baton gives on its server's address.
        await app.ApplyOkAsync(app.Yaml("servers:\n  blue: [app1]\n  green: [app2]\ntarget:\n  mode: host"));
        var first = await app.DeployOkAsync("v1");
        output.WriteLine(first.ToString());
        Assert.Equal("v1", await app.LiveVersionAsync());

        using var stop = new CancellationTokenSource();
        var load = Task.Run(() => LoadAsync(app, stop.Token));
        await Task.Delay(500);
        await app.DeployOkAsync("v2");
        await Task.Delay(500);
        await stop.CancelAsync();
        var (requests, failures, versions) = await load;
        output.WriteLine($"{requests} requests, {failures.Count} failed; versions {string.Join(", ", versions)}");
        Assert.True(failures.Count == 0, string.Join("\n", failures.Take(10)));
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
        var (app1, app2) = (await AddServerAsync(lab, app, "app1"), await AddServerAsync(lab, app, "app2"));
        await app.ApplyOkAsync(app.Yaml("servers: [app1, app2]\nreplicas: 1\ntarget:\n  mode: host"));
        await app.DeployOkAsync("v1");

        using var stop = new CancellationTokenSource();
        var load = Task.Run(() => LoadAsync(app, stop.Token));
        await Task.Delay(500);
        await app.DeployOkAsync("v2");
        await Task.Delay(500);
        await stop.CancelAsync();
        var (requests, failures, versions) = await load;
        output.WriteLine($"{requests} requests, {failures.Count} failed; versions {string.Join(", ", versions)}");
        Assert.True(failures.Count == 0, string.Join("\n", failures.Take(10)));
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

    /// <summary>
    /// An app server as an operator sets it up: a host in the lab with its engine and sshd, the
    /// sample images on its engine, `baton host`'s config, and the authorized_keys line that
    /// `baton host add` prints; `baton host check` then passes.
    /// </summary>
    private async Task<LabHost> AddServerAsync(TestLab lab, BlueGreenApp app, string name)
    {
        await SampleImages.EnsureAsync();
        var host = await lab.AddHostAsync(name, docker: true, sshd: true);
        await host.LoadImageAsync(SampleImages.Image("v1"), SampleImages.Image("v2"));
        var config = Path.Combine(host.Folder, "host.yml");
        await File.WriteAllTextAsync(config, $"""
            name: {host.Name}
            docker: {host.DockerSocket}
            address: {host.Address}
            services: [{app.Name}]
            images: [{SampleImages.Repository}]
            networks: [host]
            """);
        var added = await app.CliAsync("host", "add", host.Name, "--ssh", $"root@{host.Address}", "--command", $"{AgentDotnet} {Path.Combine(AppContext.BaseDirectory, "baton.dll")} host --config {config}");
        output.WriteLine(added.ToString());
        var line = AuthorizedLine().Match(added.Stdout).Value;
        Assert.StartsWith("command=", line);
        Assert.Contains(",restrict ", line);
        await host.AuthorizeAsync(line);
        var checkedHost = await app.CliAsync("host", "check", host.Name);
        Assert.True(checkedHost.ExitCode == 0, checkedHost.ToString());
        return host;
    }

    /// <summary>The dotnet the forced command runs (sshd's PATH is not the test's).</summary>
    private static string AgentDotnet => Path.IsPathRooted(BatonCli.Dotnet) ? BatonCli.Dotnet : "/usr/bin/dotnet";

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

    [GeneratedRegex(@"command=""[^""]*"",restrict [^\r\n]+")]
    private static partial Regex AuthorizedLine();
}
