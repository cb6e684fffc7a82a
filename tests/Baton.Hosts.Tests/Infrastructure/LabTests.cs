using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Baton.Docker;
using Xunit.Abstractions;

namespace Baton.Hosts.Tests.Infrastructure;

/// <summary>One lab for the class: app1 (10.200.N.2) and app2 (10.200.N.3), each with its own engine and sshd, and the busybox image in both.</summary>
public sealed class TwoHostLab : IAsyncLifetime
{
    public string RunId { get; } = Guid.NewGuid().ToString("N")[..10];

    public TestLab Lab { get; private set; } = null!;

    public LabHost App1 { get; private set; } = null!;

    public LabHost App2 { get; private set; } = null!;

    public LabImage Image { get; private set; } = null!;

    public TimeSpan UpTime { get; private set; }

    public KeyValuePair<string, string> RunLabel => new("baton.test", RunId);

    public async Task InitializeAsync()
    {
        Image = await LabImage.CreateAsync(RunId);
        var watch = Stopwatch.StartNew();
        Lab = await TestLab.CreateAsync();
        var hosts = await Task.WhenAll(
            Lab.AddHostAsync("app1", docker: true, sshd: true, index: 2),
            Lab.AddHostAsync("app2", docker: true, sshd: true, index: 3));
        UpTime = watch.Elapsed;
        (App1, App2) = (hosts[0], hosts[1]);
        await Task.WhenAll(App1.LoadImageAsync(Image.Reference), App2.LoadImageAsync(Image.Reference));
    }

    public async Task DisposeAsync()
    {
        try
        {
            if (Lab is not null) await Lab.DisposeAsync();
        }
        finally
        {
            if (Image is not null) await Image.DisposeAsync();
        }
    }

    /// <summary>A busybox container on the host's network serving <paramref name="body"/> on 0.0.0.0:<paramref name="port"/> in its namespace.</summary>
    public ContainerSpec Web(string name, int port, string body) => new()
    {
        Image = Image.Reference,
        Name = $"baton-lab-{name}-{RunId}",
        Labels = new Dictionary<string, string> { [RunLabel.Key] = RunLabel.Value },
        Cmd = ["sh", "-c", $"echo {body} > /www/index.html && exec httpd -f -p 0.0.0.0:{port} -h /www"],
        Network = ContainerSpec.HostNetwork,
        Init = true,
    };
}

public sealed class LabTests(TwoHostLab fixture, ITestOutputHelper output) : IClassFixture<TwoHostLab>
{
    private static readonly HttpClient Http = new(new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromSeconds(2), UseProxy = false })
    {
        Timeout = TimeSpan.FromSeconds(5),
    };

    [Fact]
    public void Hosts_have_their_addresses_engines_and_sshds()
    {
        output.WriteLine($"lab {fixture.Lab.Number}: two hosts with engines and sshds up in {fixture.UpTime.TotalMilliseconds:0} ms");
        var (app1, app2) = (fixture.App1, fixture.App2);
        Assert.Equal(IPAddress.Parse($"10.200.{fixture.Lab.Number}.1"), fixture.Lab.RouterAddress);
        Assert.Equal(IPAddress.Parse($"10.200.{fixture.Lab.Number}.2"), app1.Address);
        Assert.Equal(IPAddress.Parse($"10.200.{fixture.Lab.Number}.3"), app2.Address);
        Assert.Equal($"bt-{fixture.Lab.Number}-app1", app1.Namespace);
        Assert.NotEqual(app1.DockerSocket, app2.DockerSocket);
        Assert.True(File.Exists(app1.DockerSocket));
        Assert.Equal(22, app1.SshPort);
        Assert.StartsWith("SHA256:", app1.SshHostKeyFingerprint);
        Assert.StartsWith("ssh-ed25519 AAAA", app1.SshHostPublicKey);
        Assert.NotEqual(app1.SshHostKeyFingerprint, app2.SshHostKeyFingerprint);
        Assert.True(File.Exists(app1.AuthorizedKeysPath));
        Assert.InRange(fixture.Lab.Number, 10, 63);
    }

    [Fact]
    public async Task Inside_a_host_only_its_address_loopback_and_a_route_through_the_lab()
    {
        var addresses = (await fixture.App1.ExecAsync("ip", "-4", "-o", "addr", "show")).ThrowIfFailed("ip addr").Output;
        Assert.Contains($"inet {fixture.App1.Address}/24", addresses);
        Assert.Contains("inet 127.0.0.1/8", addresses);
        Assert.DoesNotContain("eth0 inet 192.", addresses);
        Assert.Equal(2, addresses.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        var routes = (await fixture.App1.ExecAsync("ip", "route")).ThrowIfFailed("ip route").Output;
        Assert.Contains($"default via {fixture.Lab.RouterAddress} dev eth0", routes);
    }

    [Fact]
    public async Task A_container_on_app1_answers_at_app1s_address_only()
    {
        var port = Baton.Testing.TestPorts.Next();
        using var engine = await fixture.App1.ConnectDockerAsync();
        var id = (await engine.Containers.CreateAsync(fixture.Web("web1", port, "hello-from-app1"))).Value;
        try
        {
            (await engine.Containers.StartAsync(id)).ThrowIfFailed();
            var url = $"http://{fixture.App1.Address}:{port}/";
            Assert.Equal("hello-from-app1", (await GetWithRetriesAsync(url)).Trim());

            // It listens on every address of app1's namespace: still nothing at app2's address or on the machine's loopback.
            Assert.False(await AnswersAsync($"http://{fixture.App2.Address}:{port}/"), "app2's address answered");
            Assert.False(await AnswersAsync($"http://127.0.0.1:{port}/"), "127.0.0.1 of the root namespace answered");
            Assert.False(await AnswersAsync($"http://{fixture.Lab.RouterAddress}:{port}/"), "the router's address answered");

            // Inside app1, its loopback is the container's; from app2, app1's address across the bridge.
            var inside = await fixture.App1.ExecAsync("curl", "-s", "--max-time", "3", $"http://127.0.0.1:{port}/");
            Assert.Equal("hello-from-app1", inside.ThrowIfFailed("curl in app1").Output.Trim());
            var across = await fixture.App2.ExecAsync("curl", "-s", "--max-time", "3", url);
            Assert.Equal("hello-from-app1", across.ThrowIfFailed("curl from app2").Output.Trim());
            var app2Loopback = await fixture.App2.ExecAsync("curl", "-s", "--max-time", "3", $"http://127.0.0.1:{port}/");
            Assert.NotEqual(0, app2Loopback.ExitCode);
        }
        finally
        {
            await engine.Containers.RemoveAsync(id, force: true);
        }
    }

    [Fact]
    public async Task Each_engine_sees_only_its_own_containers_and_the_main_engine_neither()
    {
        using var engine1 = await fixture.App1.ConnectDockerAsync();
        using var engine2 = await fixture.App2.ConnectDockerAsync();
        var port1 = Baton.Testing.TestPorts.Next();
        var port2 = Baton.Testing.TestPorts.Next();
        var id1 = (await engine1.Containers.CreateAsync(fixture.Web("only1", port1, "one"))).Value;
        var id2 = (await engine2.Containers.CreateAsync(fixture.Web("only2", port2, "two"))).Value;
        try
        {
            (await engine1.Containers.StartAsync(id1)).ThrowIfFailed();
            (await engine2.Containers.StartAsync(id2)).ThrowIfFailed();
            var label = $"{fixture.RunLabel.Key}={fixture.RunLabel.Value}";
            var seen1 = (await engine1.Containers.ListAsync(label)).Value.Select(c => c.Id).ToList();
            var seen2 = (await engine2.Containers.ListAsync(label)).Value.Select(c => c.Id).ToList();
            var seenMain = (await fixture.Image.MainEngine.Containers.ListAsync(label)).Value;
            Assert.Contains(id1, seen1);
            Assert.DoesNotContain(id2, seen1);
            Assert.Contains(id2, seen2);
            Assert.DoesNotContain(id1, seen2);
            Assert.Empty(seenMain);
            Assert.False((await engine1.Containers.InspectAsync(id2)).IsSuccess);

            // The container's processes run in its host's network namespace, not the machine's.
            var pid = (await fixture.App1.DockerAsync("inspect", "-f", "{{.State.Pid}}", id1)).ThrowIfFailed("docker inspect").Output.Trim();
            var stat = await LabShell.RunAsync("stat", ["-L", "-c", "%i", $"/proc/{pid}/ns/net", fixture.App1.NamespacePath, "/proc/self/ns/net"], TimeSpan.FromSeconds(10));
            var inodes = stat.ThrowIfFailed("stat").Output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.Equal(inodes[1], inodes[0]);
            Assert.NotEqual(inodes[2], inodes[0]);
        }
        finally
        {
            await engine1.Containers.RemoveAsync(id1, force: true);
            await engine2.Containers.RemoveAsync(id2, force: true);
        }
    }

    [Fact]
    public async Task A_forced_command_key_runs_only_its_command_whatever_the_client_asks()
    {
        using var client = await OpenSshClient.CreateAsync();
        await fixture.App1.AuthorizeAsync(client.ForcedCommandLine("echo forced:$SSH_ORIGINAL_COMMAND"));
        await client.TrustAsync(fixture.App1);

        var asked = await client.RunAsync(fixture.App1, "cat /etc/shadow; id");
        Assert.Equal(0, asked.ExitCode);
        Assert.Equal("forced:cat /etc/shadow; id", asked.Output.Trim());
        var none = await client.RunAsync(fixture.App1);
        Assert.Equal("forced:", none.Output.Trim());

        // The same key is not authorized on app2 (whose host key the client trusts too).
        await client.TrustAsync(fixture.App2);
        var refused = await client.RunAsync(fixture.App2, "id");
        Assert.Equal(255, refused.ExitCode);
        Assert.Contains("Permission denied", refused.Error);
    }

    [Fact]
    public async Task The_recorded_host_key_is_the_one_the_sshd_presents()
    {
        var scanned = await LabShell.RunAsync("ssh-keyscan", ["-t", "ed25519", "-p", "22", fixture.App1.Address.ToString()], TimeSpan.FromSeconds(20));
        var line = scanned.ThrowIfFailed("ssh-keyscan").Output.Split('\n').Single(l => l.StartsWith(fixture.App1.Address.ToString(), StringComparison.Ordinal));
        Assert.Equal(fixture.App1.KnownHostsLine, line.Trim());
        var fingerprint = await LabShell.RunAsync("ssh-keygen", ["-l", "-E", "sha256", "-f", "-"], TimeSpan.FromSeconds(10), standardInput: line + "\n");
        Assert.Equal(fixture.App1.SshHostKeyFingerprint, fingerprint.ThrowIfFailed("ssh-keygen -l").Output.Split(' ')[1]);

        // A client that pinned app2's key for app1's address is refused by its own ssh.
        using var client = await OpenSshClient.CreateAsync();
        await fixture.App1.AuthorizeAsync(client.ForcedCommandLine("echo reached"));
        await File.WriteAllTextAsync(client.KnownHostsPath, $"{fixture.App1.Address} {fixture.App2.SshHostPublicKey}\n");
        var changed = await client.RunAsync(fixture.App1, "x");
        Assert.Equal(255, changed.ExitCode);
        Assert.Contains("REMOTE HOST IDENTIFICATION HAS CHANGED", changed.Error);
        Assert.DoesNotContain("reached", changed.Output);
    }

    private static async Task<string> GetWithRetriesAsync(string url)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                return await Http.GetStringAsync(url);
            }
            catch (HttpRequestException) when (attempt < 50)
            {
                await Task.Delay(100);
            }
        }
    }

    private static async Task<bool> AnswersAsync(string url)
    {
        try
        {
            using var response = await Http.GetAsync(url);
            return true;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return false;
        }
    }
}
