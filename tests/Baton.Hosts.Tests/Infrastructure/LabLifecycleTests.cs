using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using Xunit.Abstractions;

namespace Baton.Hosts.Tests.Infrastructure;

/// <summary>Labs made and removed within one test: nothing is left, a killed owner's lab is reaped, and the fault switches work.</summary>
public sealed class LabLifecycleTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Dispose_leaves_nothing_of_the_lab()
    {
        var watch = Stopwatch.StartNew();
        var lab = await TestLab.CreateAsync();
        LabHost host;
        string dockerPid, sshdPid;
        try
        {
            host = await lab.AddHostAsync("app1", docker: true, sshd: true);
            output.WriteLine($"lab {lab.Number} with one host (engine, sshd) up in {watch.ElapsedMilliseconds} ms");
            // A running container: its mounts (overlay, the engine's netns/default) must go too.
            var image = await LabImage.CreateAsync(Guid.NewGuid().ToString("N")[..10]);
            try
            {
                await host.LoadImageAsync(image.Reference);
                var run = await host.DockerAsync("run", "-d", "--network", "host", "--init", image.Reference, "httpd", "-f", "-p", $"{host.Address}:8080");
                run.ThrowIfFailed("docker run");
            }
            finally
            {
                await image.DisposeAsync();
            }
            dockerPid = (await File.ReadAllTextAsync(Path.Combine(host.Folder, "dockerd.pid"))).Trim();
            sshdPid = (await File.ReadAllTextAsync(Path.Combine(host.Folder, "sshd.pid"))).Trim();
            Assert.NotEmpty(await lab.LeftoversAsync());
        }
        catch
        {
            await lab.DisposeAsync();
            throw;
        }
        watch.Restart();
        await lab.DisposeAsync();
        output.WriteLine($"lab {lab.Number} down in {watch.ElapsedMilliseconds} ms");

        // Disposing checked the namespace, veth, bridge, rule, mounts and processes before it gave the number up (and
        // threw if any was left); from here on a lab made by a test running beside this one may have that number.
        Assert.False(Runs(dockerPid), $"dockerd {dockerPid} still runs");
        Assert.False(Runs(sshdPid), $"sshd {sshdPid} still runs");
    }

    [Fact]
    public async Task A_lab_whose_owner_died_is_reaped_and_a_living_owners_lab_is_not()
    {
        await using var mine = await TestLab.CreateAsync();
        var myHost = await mine.AddHostAsync("keep", sshd: true);

        // Another owner: a shell that makes a lab with an engine and an sshd, then waits to be killed.
        var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var argument in new[] { "-c", "set -euo pipefail; source \"$0\"; export BT_LAB_OWNER=$$; n=$(lab_up); host_up \"$n\" orphan 2 docker sshd >/dev/null; echo \"$n\"; exec sleep 600", LabShell.LibraryPath })
            start.ArgumentList.Add(argument);
        int orphanLab;
        using (var owner = Process.Start(start)!)
        {
            var line = await owner.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(120));
            Assert.True(int.TryParse(line, CultureInfo.InvariantCulture, out orphanLab), $"the owner printed '{line}'");
            Assert.NotEmpty(await LeftoversOf(orphanLab));
            owner.Kill();
            await owner.WaitForExitAsync();
        }

        (await LabShell.LibAsync("lab_reap")).ThrowIfFailed("lab_reap");

        Assert.Empty(await LeftoversOf(orphanLab));
        var stillMine = await mine.LeftoversAsync();
        Assert.Contains($"netns {myHost.Namespace}", stillMine);
        Assert.True(await ConnectsAsync(myHost, myHost.SshPort, expected: true), "the living owner's sshd was touched");
    }

    [Fact]
    public async Task Engine_and_link_can_be_stopped_and_started_again()
    {
        await using var lab = await TestLab.CreateAsync();
        var host = await lab.AddHostAsync("app1", docker: true, sshd: true);

        await host.StopDockerAsync();
        Assert.False((await host.DockerAsync("version")).Succeeded);
        await host.StartDockerAsync();
        using (var engine = await host.ConnectDockerAsync())
        {
            Assert.False(string.IsNullOrEmpty(engine.EngineVersion));
        }

        Assert.True(await ConnectsAsync(host, host.SshPort, expected: true));
        await host.DisconnectAsync();
        Assert.False(await ConnectsAsync(host, host.SshPort, expected: false));
        await host.ReconnectAsync();
        Assert.True(await ConnectsAsync(host, host.SshPort, expected: true));

        await host.StopSshdAsync();
        Assert.False(await ConnectsAsync(host, host.SshPort, expected: false));
        await host.StartSshdAsync();
        Assert.True(await ConnectsAsync(host, host.SshPort, expected: true));
    }

    /// <summary>The process runs: a zombie does not count (the daemons' parent is PID 1, which may reap them seconds later).</summary>
    private static bool Runs(string pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[(stat.LastIndexOf(')') + 2)..][0] != 'Z';
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    private static async Task<IReadOnlyList<string>> LeftoversOf(int lab)
    {
        var result = await LabShell.LibAsync("lab_leftovers", lab.ToString(CultureInfo.InvariantCulture));
        return result.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
    }

    /// <summary>Whether a TCP connection to the host's port succeeds; tried until it gives <paramref name="expected"/> (a link or a daemon may take a moment), at most 10 times.</summary>
    private static async Task<bool> ConnectsAsync(LabHost host, int port, bool expected)
    {
        var connects = !expected;
        for (var attempt = 0; attempt < 10 && connects != expected; attempt++)
        {
            if (attempt > 0) await Task.Delay(200);
            using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
            // A cut link drops packets rather than refusing them: bounded by a short timeout.
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(1));
            try
            {
                await socket.ConnectAsync(host.Address, port, timeout.Token);
                connects = true;
            }
            catch (Exception e) when (e is SocketException or OperationCanceledException)
            {
                connects = false;
            }
        }
        return connects;
    }
}
