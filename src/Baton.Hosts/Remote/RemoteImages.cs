using Baton.Docker;
using Baton.Hosts.Protocol;

namespace Baton.Hosts.Remote;

/// <summary>Image calls on an app server: inspect and pull, of the images its config allows.</summary>
internal sealed class RemoteImages(RemoteEngine engine) : IImages
{
    public Task<DockerResult<ImageInfo>> InspectAsync(string reference, CancellationToken cancellationToken = default) =>
        engine.CallAsync(new HostRequest { Op = HostOps.ImageInspect, Image = reference },
            $"inspect image {reference}", HostJson.Default.HostAnswerImageInfo, null, cancellationToken);

    /// <summary>The pull runs on the server; its progress is not streamed back, only one line saying where it runs.</summary>
    public Task<DockerResult<ImageInfo>> PullAsync(string reference, RegistryCredentials? credentials = null, IProgress<string>? progress = null,
        TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        progress?.Report($"pulling {reference} on {engine.Description}");
        return engine.CallAsync(
            new HostRequest { Op = HostOps.ImagePull, Image = reference, Credentials = credentials is null ? null : CredentialsWire.From(credentials), Timeout = timeout },
            $"pull image {reference}", HostJson.Default.HostAnswerImageInfo,
            timeout is { } t ? t + engine.Options.RequestTimeout : Timeout.InfiniteTimeSpan, cancellationToken);
    }
}
