using System.Net;
using System.Net.Sockets;

namespace Baton.Docker.Tests;

/// <summary>
/// One real engine for all tests, and a tiny image built offline: a static busybox imported as a root filesystem.
/// Everything the tests create carries the label baton.test=RUN and a name with RUN in it, and is removed at the end.
/// </summary>
public sealed class DockerFixture : IAsyncLifetime
{
    private const string BusyboxPath = "/bin/busybox";

    private DockerEngine? engine;

    public string RunId { get; } = Guid.NewGuid().ToString("N")[..10];

    public string Image => $"baton-test/busybox:{RunId}";

    public KeyValuePair<string, string> RunLabel => new("baton.test", RunId);

    public DockerEngine Engine => engine ?? throw new InvalidOperationException("The fixture did not connect.");

    public async Task InitializeAsync()
    {
        var connected = await DockerEngine.ConnectAsync(DockerEndpoint.FromEnvironment());
        if (!connected.TryGetValue(out engine, out var error))
        {
            throw new InvalidOperationException(
                $"These tests need a running Docker engine and none answers: {error.Message} Run ./test.sh, whose require_docker starts one.");
        }
        if (!File.Exists(BusyboxPath))
        {
            throw new InvalidOperationException(
                $"These tests build their image from a static busybox at {BusyboxPath}; install the Debian package busybox-static (./test.sh does).");
        }
        using var tar = await RootfsTarAsync();
        _ = (await Engine.Images.ImportAsync(tar, "baton-test/busybox", RunId)).Value;
    }

    public async Task DisposeAsync()
    {
        if (engine is null) return;
        var left = await engine.Containers.ListAsync($"{RunLabel.Key}={RunLabel.Value}");
        if (left.IsSuccess)
        {
            foreach (var container in left.Value) await engine.Containers.RemoveAsync(container.Id, force: true);
        }
        await engine.Images.RemoveAsync(Image, force: true);
        engine.Dispose();
    }

    /// <summary>A container spec on the host network with init, labelled and named for this run.</summary>
    public ContainerSpec Spec(string name, params string[] cmd) => new()
    {
        Image = Image,
        Name = ContainerName(name),
        Labels = new Dictionary<string, string> { [RunLabel.Key] = RunLabel.Value },
        Cmd = cmd,
        Network = ContainerSpec.HostNetwork,
        Init = true,
    };

    public string ContainerName(string name) => $"baton-test-{name}-{RunId}";

    /// <summary>Creates and starts; throws on failure since the test cannot go on.</summary>
    public async Task<string> RunAsync(ContainerSpec spec)
    {
        var id = (await Engine.Containers.CreateAsync(spec)).Value;
        (await Engine.Containers.StartAsync(id)).ThrowIfFailed();
        return id;
    }

    public static int FreePort() => Baton.Testing.TestPorts.Next();

    private static Task<MemoryStream> RootfsTarAsync() =>
        Baton.Docker.Tests.BusyboxRootfs.TarAsync(BusyboxPath, ["sh", "sleep", "echo", "seq", "cat", "httpd", "true", "false", "ls", "env"], ["bin/", "tmp/", "etc/", "www/"]);
}

[CollectionDefinition("docker")]
public sealed class DockerCollection : ICollectionFixture<DockerFixture>;
