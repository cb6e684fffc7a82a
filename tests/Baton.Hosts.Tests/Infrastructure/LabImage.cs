using Baton.Docker;

namespace Baton.Hosts.Tests.Infrastructure;

/// <summary>
/// A tiny image available offline: Debian's static busybox imported as a root filesystem into the main
/// engine (as tests/Baton.Docker.Tests does), under a tag of its own; lab hosts get it with
/// <see cref="LabHost.LoadImageAsync"/>. Disposing removes it from the main engine.
/// </summary>
public sealed class LabImage : IAsyncDisposable
{
    private const string BusyboxPath = "/bin/busybox";

    private readonly DockerEngine main;

    private LabImage(DockerEngine main, string reference)
    {
        this.main = main;
        Reference = reference;
    }

    /// <summary>repository:tag, e.g. <c>baton-lab/busybox:0123456789</c>.</summary>
    public string Reference { get; }

    /// <summary>The main engine (the one <c>docker</c> talks to), to check what it sees.</summary>
    public DockerEngine MainEngine => main;

    public static async Task<LabImage> CreateAsync(string tag)
    {
        var connected = await DockerEngine.ConnectAsync(DockerEndpoint.FromEnvironment());
        if (!connected.TryGetValue(out var engine, out var error))
        {
            throw new InvalidOperationException(
                $"The lab's image is imported into the main Docker engine, and none answers: {error.Message} Run ./test.sh, whose require_docker starts one.");
        }
        if (!File.Exists(BusyboxPath))
        {
            engine.Dispose();
            throw new InvalidOperationException($"The lab's image is a static busybox at {BusyboxPath}; install busybox-static (./test.sh does).");
        }
        using var tar = await RootfsTarAsync();
        _ = (await engine.Images.ImportAsync(tar, "baton-lab/busybox", tag)).Value;
        return new LabImage(engine, $"baton-lab/busybox:{tag}");
    }

    public async ValueTask DisposeAsync()
    {
        await main.Images.RemoveAsync(Reference, force: true);
        main.Dispose();
    }

    private static Task<MemoryStream> RootfsTarAsync() =>
        Baton.Docker.Tests.BusyboxRootfs.TarAsync(BusyboxPath, ["sh", "sleep", "echo", "cat", "httpd", "wget", "true", "ls", "env"], ["bin/", "tmp/", "etc/", "www/"]);
}
