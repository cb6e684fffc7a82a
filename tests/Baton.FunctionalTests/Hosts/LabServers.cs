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
    public static async Task<LabHost> AddAsync(TestLab lab, BlueGreenApp app, string name, ITestOutputHelper output)
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

    /// <summary>The service's containers on a server's own engine: "release state role target" per line.</summary>
    public static async Task<IReadOnlyList<string>> ContainersAsync(LabHost host, BlueGreenApp app)
    {
        var listed = await host.DockerAsync("ps", "-a", "--filter", $"label={ContainerLabels.Service}={app.Name}",
            "--format", "{{.Label \"baton.release\"}} {{.State}} {{.Label \"baton.role\"}} {{.Label \"baton.target\"}}");
        listed.ThrowIfFailed($"docker ps on {host.Name}");
        return listed.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
    }

    [GeneratedRegex(@"command=""[^""]*"",restrict [^\r\n]+")]
    private static partial Regex AuthorizedLine();
}
