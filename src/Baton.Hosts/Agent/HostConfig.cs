using Baton.Docker;

namespace Baton.Hosts.Agent;

/// <summary>
/// What one app server lets Baton do there (<c>/etc/baton/host.yml</c>): which services it runs, which images,
/// volumes and networks they may use, and the address their published ports bind to. Read by
/// <see cref="HostConfigParser"/>; everything not listed is refused.
/// </summary>
internal sealed record HostConfig
{
    /// <summary>The host's name, in every refusal (<c>This host (app1) does not run service 'billing'</c>).</summary>
    public required string Name { get; init; }

    /// <summary>The local engine. <value>The default is DOCKER_HOST, else unix:///var/run/docker.sock.</value></summary>
    public required DockerEndpoint Docker { get; init; }

    /// <summary>
    /// The IP address every published port binds to; a spec's 127.0.0.1 becomes this, any other address is refused.
    /// <value>The default is 127.0.0.1 (reachable from this host only).</value>
    /// </summary>
    public string Address { get; init; } = "127.0.0.1";

    /// <summary>The services (names or globs) whose containers Baton may create and act on here. Required.</summary>
    public required IReadOnlyList<NamePattern> Services { get; init; }

    /// <summary>
    /// Allowed images: an entry ending in <c>/</c> allows every repository under it; any other is one repository,
    /// any tag or digest. Required.
    /// </summary>
    public required IReadOnlyList<string> Images { get; init; }

    /// <summary>Named volumes (names or globs) containers may mount. <value>The default is none.</value></summary>
    public IReadOnlyList<NamePattern> NamedVolumes { get; init; } = [];

    /// <summary>Host folders (absolute, without a trailing slash) under which containers may bind host paths. <value>The default is none.</value></summary>
    public IReadOnlyList<string> HostPaths { get; init; } = [];

    /// <summary>User-defined networks containers may join, besides the engine's default bridge. <value>The default is none.</value></summary>
    public IReadOnlyList<string> Networks { get; init; } = [];

    /// <summary>Whether containers may share the host's network (<c>target.mode: host</c>). <value>The default is no.</value></summary>
    public bool HostNetwork { get; init; }

    /// <summary>A file that gets one line per operation; null for none.</summary>
    public string? LogPath { get; init; }

    /// <summary>The services as a sentence's list: <c>web, api</c>.</summary>
    public string ServiceList => string.Join(", ", Services);
}
