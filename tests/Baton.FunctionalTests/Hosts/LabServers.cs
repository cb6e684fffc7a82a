using System.Globalization;
using System.Text.RegularExpressions;
using Baton.Deploy;
using Baton.FunctionalTests.Deploy;
using Baton.FunctionalTests.Infrastructure;
using Baton.Hosts.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Baton.FunctionalTests.Hosts;

/// <summary>
/// App servers in the lab as an operator sets them up (as in <see cref="SeedLayoutTests"/>): a host
/// with its own engine and sshd, the sample images on its engine, `baton host`'s config, the
/// authorized_keys line `baton host add` prints, and a passing `baton host check`.
/// </summary>
internal static partial class LabServers
{
    public static async Task<LabHost> AddAsync(TestLab lab, BlueGreenApp app, string name, ITestOutputHelper output) =>
        await AddToControllerAsync(await ProvisionAsync(lab, app, name), app, output);

    /// <summary>The server itself: a lab host with its engine and sshd, the sample images on its engine, and `baton host`'s config.</summary>
    private static async Task<LabHost> ProvisionAsync(TestLab lab, BlueGreenApp app, string name, int? index = null)
    {
        await SampleImages.EnsureAsync();
        var host = await lab.AddHostAsync(name, docker: true, sshd: true, index);
        await host.LoadImageAsync(SampleImages.Image("v1"), SampleImages.Image("v2"));
        await File.WriteAllTextAsync(ConfigPath(host), $"""
            name: {host.Name}
            docker: {host.DockerSocket}
            address: {host.Address}
            services: [{app.Name}]
            images: [{SampleImages.Repository}]
            networks: [host]
            """);
        return host;
    }

    private static string ConfigPath(LabHost host) => Path.Combine(host.Folder, "host.yml");

    /// <summary>The operator's steps on the controller: `baton host add`, its authorized_keys line on the server, `baton host check`.</summary>
    private static async Task<LabHost> AddToControllerAsync(LabHost host, BlueGreenApp app, ITestOutputHelper output)
    {
        var config = ConfigPath(host);
        var dotnet = Path.IsPathRooted(BatonCli.Dotnet) ? BatonCli.Dotnet : "/usr/bin/dotnet";
        var added = await app.CliAsync("host", "add", host.Name, "--ssh", $"root@{host.Address}", "--command", $"{dotnet} {Path.Combine(AppContext.BaseDirectory, "baton.dll")} host --config {config}");
        output.WriteLine(added.ToString());
        var line = AuthorizedLine().Match(added.Stdout).Value;
        Assert.StartsWith("command=", line);
        Assert.Contains(",restrict ", line);
        await host.AuthorizeAsync(line);
        var checkedHost = await app.CliAsync("host", "check", host.Name);
        Assert.True(checkedHost.ExitCode == 0, checkedHost.ToString());
        return host;
    }

    /// <summary>
    /// A new lab and service with app1 and app2 added to its controller (<see cref="AddAsync"/>), the service
    /// applied with <paramref name="extra"/> (its <c>servers:</c> and the rest of the test's baton.yml).
    /// </summary>
    public static async Task<LabPair> StartPairAsync(string extra, ITestOutputHelper output)
    {
        var lab = await TestLab.CreateAsync();
        BlueGreenApp? app = null;
        try
        {
            var clock = System.Diagnostics.Stopwatch.StartNew();
            app = await BlueGreenApp.StartAsync();
            // The two servers are provisioned side by side (engines, sshd, images); the controller adds them in turn.
            var provisioned = await Task.WhenAll(ProvisionAsync(lab, app, "app1", 2), ProvisionAsync(lab, app, "app2", 3));
            var (app1, app2) = (await AddToControllerAsync(provisioned[0], app, output), await AddToControllerAsync(provisioned[1], app, output));
            await app.ApplyOkAsync(app.Yaml(extra));
            output.WriteLine($"lab, controller and app1, app2 ready in {clock.Elapsed.TotalSeconds:0.0} s");
            return new LabPair(lab, app, app1, app2);
        }
        catch
        {
            if (app is not null) await app.DisposeAsync();
            await lab.DisposeAsync();
            throw;
        }
    }

    /// <summary>The service's containers on a server's own engine: "release state role target" per line.</summary>
    public static async Task<IReadOnlyList<string>> ContainersAsync(LabHost host, BlueGreenApp app)
    {
        var listed = await host.DockerAsync("ps", "-a", "--filter", $"label={ContainerLabels.Service}={app.Name}",
            "--format", "{{.Label \"baton.release\"}} {{.State}} {{.Label \"baton.role\"}} {{.Label \"baton.target\"}}");
        listed.ThrowIfFailed($"docker ps on {host.Name}");
        return listed.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
    }

    /// <summary>
    /// The service's container starts and deaths on a server's engine from <paramref name="since"/> until now,
    /// oldest first (the engine's own events: a container that ran for an instant, as a release task does, is there too).
    /// </summary>
    public static async Task<IReadOnlyList<EngineEvent>> EventsAsync(LabHost host, BlueGreenApp app, DateTimeOffset since)
    {
        static string Unix(DateTimeOffset t) => (t.ToUnixTimeMilliseconds() / 1000.0).ToString("F3", CultureInfo.InvariantCulture);
        var listed = await host.DockerAsync("events", "--since", Unix(since), "--until", Unix(DateTimeOffset.UtcNow),
            "--filter", "type=container", "--filter", $"label={ContainerLabels.Service}={app.Name}", "--filter", "event=start", "--filter", "event=die",
            "--format", "{{.TimeNano}} {{.Action}} {{.Actor.ID}} {{index .Actor.Attributes \"baton.role\"}} {{index .Actor.Attributes \"baton.release\"}}");
        listed.ThrowIfFailed($"docker events on {host.Name}");
        return [.. listed.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(line => line.Split(' '))
            .Select(f => new EngineEvent(long.Parse(f[0], CultureInfo.InvariantCulture), host.Name, f[1], f[2], f[3], f[4]))];
    }

    [GeneratedRegex(@"command=""[^""]*"",restrict [^\r\n]+")]
    private static partial Regex AuthorizedLine();
}

/// <summary>One container event on a server's engine: when (ns since the epoch, the machine's clock), start or die, which container, its role and release.</summary>
internal sealed record EngineEvent(long TimeNano, string Server, string Action, string Container, string Role, string Release)
{
    public override string ToString() => $"{Server} {Action} {Role} {Release} {Container[..12]}";
}

/// <summary>A lab's two app servers and the service deployed to them; disposing stops the controller, then removes the lab.</summary>
internal sealed class LabPair(TestLab lab, BlueGreenApp app, LabHost app1, LabHost app2) : IAsyncDisposable
{
    public BlueGreenApp App { get; } = app;
    public LabHost App1 { get; } = app1;
    public LabHost App2 { get; } = app2;

    public async ValueTask DisposeAsync()
    {
        await App.DisposeAsync();
        await lab.DisposeAsync();
    }
}
