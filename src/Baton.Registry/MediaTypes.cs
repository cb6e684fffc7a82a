namespace Baton.Registry;

/// <summary>The manifest formats Baton asks for: single-platform manifests and multi-platform indexes, Docker's and OCI's.</summary>
internal static class MediaTypes
{
    public const string DockerManifest = "application/vnd.docker.distribution.manifest.v2+json";
    public const string DockerManifestList = "application/vnd.docker.distribution.manifest.list.v2+json";
    public const string OciManifest = "application/vnd.oci.image.manifest.v1+json";
    public const string OciIndex = "application/vnd.oci.image.index.v1+json";

    public static readonly string[] Accepted = [DockerManifest, DockerManifestList, OciManifest, OciIndex];

    public static bool IsIndex(string? mediaType) => mediaType is DockerManifestList or OciIndex;
}
