using Baton.Docker;

namespace Baton.Deploy.Servers;

/// <summary>Images across a fleet: an image is there only when every server has it; a pull pulls on each.</summary>
internal sealed class FleetImages(ServerFleet fleet) : IImages
{
    public async Task<DockerResult<ImageInfo>> InspectAsync(string reference, CancellationToken cancellationToken = default)
    {
        var each = await fleet.EachAsync(e => e.Images.InspectAsync(reference, cancellationToken)).ConfigureAwait(false);
        return each.TryGetValue(out var infos, out var error) ? infos[0].Value : error;
    }

    public async Task<DockerResult<ImageInfo>> PullAsync(string reference, RegistryCredentials? credentials = null, IProgress<string>? progress = null,
        TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        var each = await fleet.EachAsync(e => e.Images.PullAsync(reference, credentials, progress, timeout, cancellationToken)).ConfigureAwait(false);
        return each.TryGetValue(out var infos, out var error) ? infos[0].Value : error;
    }
}
