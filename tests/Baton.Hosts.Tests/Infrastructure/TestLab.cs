using System.Globalization;
using System.Net;
using Baton.Docker;

namespace Baton.Hosts.Tests.Infrastructure;

/// <summary>
/// A lab of test hosts on this machine, made by scripts/hosts-lib.sh: a bridge bt-br-N in the root
/// network namespace holding <see cref="RouterAddress"/> (10.200.N.1), and hosts on it, each a network
/// namespace at 10.200.N.INDEX with, if asked, a Docker engine and an sshd of its own.
/// <code>
/// await using var lab = await TestLab.CreateAsync();
/// var app1 = await lab.AddHostAsync("app1", docker: true, sshd: true);
/// </code>
/// Disposing runs lab_down and then checks that nothing of the lab is left (namespaces, veths, bridge,
/// processes, mounts, firewall rule, folder); anything left is an exception naming it.
/// </summary>
public sealed class TestLab : IAsyncDisposable
{
    private readonly List<LabHost> hosts = [];
    private bool disposed;

    private TestLab(int number) => Number = number;

    /// <summary>N: the lab's addresses are 10.200.N.0/24.</summary>
    public int Number { get; }

    /// <summary>The bridge's address in the root namespace (10.200.N.1): where the router listens, and what the hosts route through.</summary>
    public IPAddress RouterAddress => IPAddress.Parse($"10.200.{Number}.1");

    public string Bridge => $"bt-br-{Number}";

    public IReadOnlyList<LabHost> Hosts
    {
        get { lock (hosts) return [.. hosts]; }
    }

    /// <summary>
    /// Removes the labs that earlier runs left behind (their owner process is gone), then makes a new lab
    /// with a free number. The lab is owned by this process.
    /// </summary>
    public static async Task<TestLab> CreateAsync(CancellationToken cancellationToken = default)
    {
        var reaped = await LabShell.LibAsync("lab_reap", [], null, cancellationToken);
        reaped.ThrowIfFailed("lab_reap");
        var up = (await LabShell.LibAsync("lab_up", [], null, cancellationToken)).ThrowIfFailed("lab_up");
        return new TestLab(int.Parse(up.Output.Trim(), CultureInfo.InvariantCulture));
    }

    /// <summary>
    /// A host named <paramref name="name"/> (lower-case letters and digits) at 10.200.N.<paramref name="index"/>
    /// (default: the next free one from 2); with its own Docker engine and/or sshd.
    /// </summary>
    public async Task<LabHost> AddHostAsync(string name, bool docker = false, bool sshd = false, int? index = null, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        int chosen;
        lock (hosts)
        {
            chosen = index ?? Enumerable.Range(2, 253).First(i => hosts.All(h => h.Index != i));
            // Reserved at once, so that hosts added side by side get different addresses.
            hosts.Add(LabHost.Placeholder(this, name, chosen));
        }
        var arguments = new List<string> { Number.ToString(CultureInfo.InvariantCulture), name, chosen.ToString(CultureInfo.InvariantCulture) };
        if (docker) arguments.Add("docker");
        if (sshd) arguments.Add("sshd");
        ShellResult up;
        try
        {
            up = (await LabShell.LibAsync("host_up", arguments, null, cancellationToken)).ThrowIfFailed($"host_up {name}");
        }
        catch
        {
            lock (hosts) hosts.RemoveAll(h => h.Index == chosen);
            throw;
        }
        var host = LabHost.FromInfo(this, chosen, up.Output);
        lock (hosts)
        {
            hosts.RemoveAll(h => h.Index == chosen);
            hosts.Add(host);
        }
        return host;
    }

    /// <summary>What of this lab still exists, one line each ("netns bt-12-app1", "link bt-br-12", ...); empty when nothing.</summary>
    public async Task<IReadOnlyList<string>> LeftoversAsync(CancellationToken cancellationToken = default)
    {
        var result = await LabShell.LibAsync("lab_leftovers", [Number.ToString(CultureInfo.InvariantCulture)], null, cancellationToken);
        return result.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
    }

    /// <summary>Runs lab_down, which fails if anything of the lab is left before it frees the number.</summary>
    public async ValueTask DisposeAsync()
    {
        if (disposed) return;
        disposed = true;
        // Checked by lab_down itself before it gives the number up: a check after could find the next lab of that number.
        var down = await LabShell.LibAsync("lab_down", [Number.ToString(CultureInfo.InvariantCulture), "check"], TimeSpan.FromMinutes(2));
        var left = down.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (!down.Succeeded || left.Length > 0)
        {
            throw new InvalidOperationException(
                $"lab {Number} was not removed cleanly (lab_down exit {down.ExitCode}: {down.Error.Trim()}); left: {string.Join("; ", left)}");
        }
    }
}

/// <summary>One test host: a network namespace on the lab's bridge, maybe with its own engine and sshd.</summary>
public sealed class LabHost
{
    private LabHost(TestLab lab, string name, int index)
    {
        Lab = lab;
        Name = name;
        Index = index;
    }

    public TestLab Lab { get; }

    public string Name { get; }

    /// <summary>The last byte of its address.</summary>
    public int Index { get; }

    /// <summary>10.200.N.INDEX: the only address its services (and its containers, on the host network) can be reached at.</summary>
    public IPAddress Address { get; private init; } = IPAddress.None;

    /// <summary>The network namespace's name (bt-N-NAME) and its path under /var/run/netns.</summary>
    public string Namespace { get; private init; } = "";

    public string NamespacePath { get; private init; } = "";

    /// <summary>The bridge side of its veth (bt-N-INDEX): set down to cut the host off.</summary>
    public string Veth { get; private init; } = "";

    /// <summary>The host's folder (engine data, sockets, sshd config and keys, logs).</summary>
    public string Folder { get; private init; } = "";

    /// <summary>The unix socket of its own Docker engine; null without one.</summary>
    public string? DockerSocket { get; private init; }

    public DockerEndpoint? DockerEndpoint => DockerSocket is null ? null : DockerEndpoint.Unix(DockerSocket);

    /// <summary>Its sshd's port on <see cref="Address"/> (22); 0 without an sshd.</summary>
    public int SshPort { get; private init; }

    /// <summary>The sshd's host key as OpenSSH prints its fingerprint: <c>SHA256:…</c>.</summary>
    public string? SshHostKeyFingerprint { get; private init; }

    /// <summary>The sshd's public host key: <c>ssh-ed25519 AAAA…</c>.</summary>
    public string? SshHostPublicKey { get; private init; }

    /// <summary>A known_hosts line for this host: <c>10.200.N.I ssh-ed25519 AAAA…</c>.</summary>
    public string? KnownHostsLine => SshHostPublicKey is null ? null : $"{Address} {SshHostPublicKey}";

    /// <summary>The sshd's AuthorizedKeysFile (for root, the user the tests log in as; forced commands only).</summary>
    public string? AuthorizedKeysPath { get; private init; }

    /// <summary>The sshd's log (LogLevel VERBOSE).</summary>
    public string? SshLogPath { get; private init; }

    internal static LabHost Placeholder(TestLab lab, string name, int index) => new(lab, name, index);

    internal static LabHost FromInfo(TestLab lab, int index, string info)
    {
        var fields = info.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line.Split('=', 2))
            .Where(parts => parts.Length == 2)
            .GroupBy(parts => parts[0])
            .ToDictionary(group => group.Key, group => group.Last()[1].Trim());
        string? Field(string key) => fields.TryGetValue(key, out var value) && value.Length > 0 ? value : null;
        return new LabHost(lab, Field("name") ?? throw new InvalidOperationException($"host_up printed no name: {info}"), index)
        {
            Address = IPAddress.Parse(Field("address")!),
            Namespace = Field("netns")!,
            NamespacePath = Field("netns_path")!,
            Veth = Field("veth")!,
            Folder = Field("dir")!,
            DockerSocket = Field("docker_socket"),
            SshPort = Field("ssh_port") is { } port ? int.Parse(port, CultureInfo.InvariantCulture) : 0,
            SshHostKeyFingerprint = Field("ssh_fingerprint"),
            SshHostPublicKey = Field("ssh_host_key"),
            AuthorizedKeysPath = Field("ssh_authorized_keys"),
            SshLogPath = Field("ssh_log"),
        };
    }

    private string[] Args(params string[] more) => [Lab.Number.ToString(CultureInfo.InvariantCulture), Name, .. more];

    /// <summary>Runs a program inside the host's network namespace (files and processes are the machine's).</summary>
    public Task<ShellResult> ExecAsync(params string[] command) => ExecAsync(command, TimeSpan.FromMinutes(1));

    public Task<ShellResult> ExecAsync(IEnumerable<string> command, TimeSpan timeout, CancellationToken cancellationToken = default) =>
        LabShell.RunAsync("nsenter", [$"--net={NamespacePath}", "--", .. command], timeout, cancellationToken);

    /// <summary>The docker CLI against the host's engine.</summary>
    public Task<ShellResult> DockerAsync(params string[] arguments) =>
        LabShell.LibAsync("host_docker", Args(arguments));

    /// <summary>A client of the host's engine (dispose it).</summary>
    public async Task<DockerEngine> ConnectDockerAsync(CancellationToken cancellationToken = default)
    {
        var endpoint = DockerEndpoint ?? throw new InvalidOperationException($"{Name} has no Docker engine.");
        return (await DockerEngine.ConnectAsync(endpoint, null, cancellationToken)).Value;
    }

    /// <summary>Copies images from the main engine into the host's (docker save | docker load).</summary>
    public async Task LoadImageAsync(params string[] images) =>
        (await LabShell.LibAsync("host_load_image", Args(images), TimeSpan.FromMinutes(5))).ThrowIfFailed($"loading {string.Join(", ", images)} into {Name}");

    /// <summary>Stops the host's engine (its containers stop with it) and waits for it to exit.</summary>
    public async Task StopDockerAsync() =>
        (await LabShell.LibAsync("host_docker_stop", Args())).ThrowIfFailed($"stopping {Name}'s engine");

    /// <summary>Starts the host's engine again: same data, same socket.</summary>
    public async Task StartDockerAsync() =>
        (await LabShell.LibAsync("host_docker_start", Args())).ThrowIfFailed($"starting {Name}'s engine");

    public async Task StopSshdAsync() =>
        (await LabShell.LibAsync("host_sshd_stop", Args())).ThrowIfFailed($"stopping {Name}'s sshd");

    public async Task StartSshdAsync() =>
        (await LabShell.LibAsync("host_sshd_start", Args())).ThrowIfFailed($"starting {Name}'s sshd");

    /// <summary>Unplugs the host: the bridge side of its veth goes down (processes keep running, nothing reaches them).</summary>
    public async Task DisconnectAsync() =>
        (await LabShell.LibAsync("host_link", Args("down"))).ThrowIfFailed($"cutting {Name} off");

    /// <summary>Plugs the host in again.</summary>
    public async Task ReconnectAsync() =>
        (await LabShell.LibAsync("host_link", Args("up"))).ThrowIfFailed($"reconnecting {Name}");

    /// <summary>Appends one line to the sshd's authorized_keys (e.g. <c>command="…",restrict ssh-ed25519 …</c>).</summary>
    public async Task AuthorizeAsync(string authorizedKeysLine)
    {
        var path = AuthorizedKeysPath ?? throw new InvalidOperationException($"{Name} has no sshd.");
        await File.AppendAllTextAsync(path, authorizedKeysLine.TrimEnd('\n') + "\n");
    }

    public override string ToString() => $"{Name} ({Address})";
}
