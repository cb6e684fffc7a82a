using System.Diagnostics;
using System.Text;
using Baton.Docker;
using Baton.Hosts.Local;
using Baton.Hosts.Remote;

namespace Baton.Hosts.Tests.Agent;

/// <summary>
/// The real engine, a busybox image imported offline under an allowed repository and one under a repository the
/// host does not allow, and a host config for this run: services web-RUN and api-RUN, images baton-test/, the named
/// volume data-RUN and the folder ROOT/allowed, published ports bound to 127.0.0.2. The agent runs as the built
/// <c>dotnet baton.dll host --config</c>. Everything made carries baton.test=RUN and is removed at the end.
/// </summary>
public sealed class AgentFixture : IAsyncLifetime
{
    private const string BusyboxPath = "/bin/busybox";

    private DockerEngine? engine;

    public string RunId { get; } = Guid.NewGuid().ToString("N")[..10];

    public string Root { get; } = Directory.CreateTempSubdirectory("baton-host-agent-").FullName;

    public string ConfigPath => Path.Combine(Root, "host.yml");

    public string LogPath => Path.Combine(Root, "host.log");

    public string AllowedFolder => Path.Combine(Root, "allowed");

    /// <summary>The address the config binds published ports to: loopback, but not the 127.0.0.1 a spec asks for.</summary>
    public string Address => "127.0.0.2";

    public string HostName => "app-test";

    public string Web => $"web-{RunId}";

    public string Api => $"api-{RunId}";

    /// <summary>A service the host does not run.</summary>
    public string Billing => $"billing-{RunId}";

    /// <summary>An allowed image (repository under baton-test/).</summary>
    public string Image => $"baton-test/busybox:{RunId}";

    /// <summary>The same busybox under a repository the host does not allow.</summary>
    public string OutsideImage => $"baton-outside/busybox:{RunId}";

    public string RunLabel => $"baton.test={RunId}";

    public DockerEngine Engine => engine ?? throw new InvalidOperationException("The fixture did not connect.");

    public static string BatonDll => Path.Combine(AppContext.BaseDirectory, "baton.dll");

    public async Task InitializeAsync()
    {
        var connected = await DockerEngine.ConnectAsync(DockerEndpoint.FromEnvironment());
        if (!connected.TryGetValue(out engine, out var error))
            throw new InvalidOperationException($"These tests need a running Docker engine and none answers: {error.Message} Run ./test.sh, whose require_docker starts one.");
        if (!File.Exists(BusyboxPath))
            throw new InvalidOperationException($"These tests build their image from a static busybox at {BusyboxPath}; install the Debian package busybox-static (./test.sh does).");
        foreach (var repository in new[] { "baton-test/busybox", "baton-outside/busybox" })
        {
            using var tar = await RootfsTarAsync();
            _ = (await Engine.Images.ImportAsync(tar, repository, RunId)).Value;
        }
        Directory.CreateDirectory(AllowedFolder);
        await File.WriteAllTextAsync(ConfigPath, $"""
            # A test host: what the agent may do for this run.
            name: {HostName}
            address: {Address}
            services: [{Web}, {Api}]
            images: [baton-test/]
            volumes: [data-{RunId}, {AllowedFolder}]
            log: {LogPath}
            """);
    }

    public async Task DisposeAsync()
    {
        if (engine is not null)
        {
            var left = await engine.Containers.ListAsync(RunLabel);
            if (left.IsSuccess)
            {
                foreach (var container in left.Value) await engine.Containers.RemoveAsync(container.Id, force: true);
            }
            await engine.Images.RemoveAsync(Image, force: true);
            await engine.Images.RemoveAsync(OutsideImage, force: true);
            engine.Dispose();
        }
        Directory.Delete(Root, recursive: true);
    }

    /// <summary>The agent of this run's config, started per call as a real process.</summary>
    public ProcessTransport Transport(string? configPath = null) => ProcessTransport.BatonHost(BatonDll, configPath ?? ConfigPath, HostName);

    public RemoteEngine Remote(RemoteEngineOptions? options = null) => new(Transport(), options);

    /// <summary>A spec of an allowed service, labelled for this run, that runs <paramref name="cmd"/> in busybox under init.</summary>
    public ContainerSpec Spec(string name, string? service = null, params string[] cmd) => new()
    {
        Image = Image,
        Name = ContainerName(name),
        Labels = new Dictionary<string, string> { ["baton.test"] = RunId, ["baton.service"] = service ?? Web },
        Cmd = cmd.Length == 0 ? ["sleep", "60"] : cmd,
        Init = true,
    };

    public string ContainerName(string name) => $"baton-hosttest-{name}-{RunId}";

    /// <summary>Runs the agent with exactly these bytes on its stdin; its exit code, stdout and stderr.</summary>
    public async Task<(int ExitCode, string Stdout, string Stderr)> RunAgentAsync(byte[] stdin, string? configPath = null)
    {
        var psi = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } h && File.Exists(h) ? h : "dotnet")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in new[] { BatonDll, "host", "--config", configPath ?? ConfigPath }) psi.ArgumentList.Add(a);
        // What an SSH client asks for arrives here under a forced command; the agent must not care.
        psi.Environment["SSH_ORIGINAL_COMMAND"] = "sh -c 'docker run --privileged -v /:/host busybox'";
        using var process = Process.Start(psi)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        try
        {
            await process.StandardInput.BaseStream.WriteAsync(stdin);
            process.StandardInput.Close();
        }
        catch (IOException)
        {
            // The agent may stop reading (an oversized request) and exit before all bytes are written.
        }
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(cts.Token);
        return (process.ExitCode, await stdout, await stderr);
    }

    public Task<(int ExitCode, string Stdout, string Stderr)> RunAgentAsync(string stdin, string? configPath = null) =>
        RunAgentAsync(Encoding.UTF8.GetBytes(stdin), configPath);

    private static Task<MemoryStream> RootfsTarAsync() =>
        Baton.Docker.Tests.BusyboxRootfs.TarAsync(BusyboxPath, ["sh", "sleep", "echo", "cat", "true", "false", "ls"], ["bin/", "tmp/", "etc/"]);
}

[CollectionDefinition("agent")]
public sealed class AgentCollection : ICollectionFixture<AgentFixture>;
