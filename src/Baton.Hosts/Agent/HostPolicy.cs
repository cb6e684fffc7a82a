using Baton.Docker;

namespace Baton.Hosts.Agent;

/// <summary>
/// What a host's config allows, as checks that return null (allowed) or one sentence naming what and why.
/// Pure: the agent asks the engine what it needs (a container's labels, an image's tags) and passes it in.
/// </summary>
internal sealed class HostPolicy(HostConfig config)
{
    /// <summary>The label that names a container's service (Baton.Deploy's <c>ContainerLabels.Service</c>; this project does not reference the deployer).</summary>
    public const string ServiceLabel = "baton.service";

    /// <summary>The most log lines one request may read back.</summary>
    public const int MaxLogLines = 10_000;

    public HostConfig Config => config;

    public bool AllowsService(string? service) => service is { Length: > 0 } && config.Services.Any(p => p.Matches(service));

    /// <summary>Whether the container (by its labels) is one of this host's services: every act on one is checked first.</summary>
    public string? ContainerRefusal(string container, IReadOnlyDictionary<string, string> labels)
    {
        if (!labels.TryGetValue(ServiceLabel, out var service) || service.Length == 0)
            return $"Container '{container}' has no {ServiceLabel} label, so it is not Baton's to act on; this host ({config.Name}) acts only on containers of its services: {config.ServiceList}.";
        return AllowsService(service)
            ? null
            : $"Container '{container}' belongs to service '{service}', which this host ({config.Name}) does not run; its config allows: {config.ServiceList}.";
    }

    /// <summary>Checks a reference against the allowed images; <paramref name="known"/> are the tags and digests of the local image when the reference is an id.</summary>
    public string? ImageRefusal(string reference, IReadOnlyList<string>? known = null)
    {
        if (!ImageRules.IsReference(reference) && !ImageRules.IsId(reference))
            return $"'{Shorten(reference)}' is not an image reference.";
        if (ImageRules.Allowed(reference, config.Images)) return null;
        if (known is not null && known.Any(k => ImageRules.Allowed(k, config.Images))) return null;
        return $"This host ({config.Name}) does not run image '{reference}'{(known is null ? "" : known.Count == 0 ? " (an image with no tag)" : $" (known here as {string.Join(", ", known)})")}; its config allows: {string.Join(", ", config.Images)}.";
    }

    public string? NetworkRefusal(string? network)
    {
        if (network is null or "bridge" or "default") return null;
        if (network == ContainerSpec.HostNetwork)
            return config.HostNetwork ? null : $"This host ({config.Name}) does not let containers share its network (target.mode: host); add host to networks in its config to allow it.";
        return config.Networks.Contains(network, StringComparer.Ordinal)
            ? null
            : $"This host ({config.Name}) does not allow network '{Shorten(network)}'; its config allows: {string.Join(", ", ["bridge (the default)", .. config.Networks, .. config.HostNetwork ? ["host"] : Array.Empty<string>()])}.";
    }

    /// <summary>One <c>SOURCE:DEST[:OPTIONS]</c> entry: a named volume or a host path the config allows, options ro, rw or nocopy only.</summary>
    public string? VolumeRefusal(string bind)
    {
        var parts = bind.Split(':');
        if (parts.Length is < 2 or > 3 || parts[0].Length == 0 || !parts[1].StartsWith('/'))
            return $"The volume '{Shorten(bind)}' is not SOURCE:/container/path[:ro].";
        if (parts.Length == 3 && parts[2].Split(',').Any(o => o is not ("ro" or "rw" or "nocopy")))
            return $"The volume '{Shorten(bind)}' has options '{parts[2]}'; this host allows only ro and rw (mount propagation and relabelling reach beyond the container).";
        var source = parts[0];
        if (!source.StartsWith('/'))
        {
            return config.NamedVolumes.Any(p => p.Matches(source))
                ? null
                : $"This host ({config.Name}) does not allow the named volume '{Shorten(source)}'; its config allows: {List(config.NamedVolumes.Select(v => v.Text))}.";
        }
        if (!HostPaths.IsNormal(source))
            return $"The host path '{Shorten(source)}' is not a plain absolute path (no '.', '..' or '//').";
        if (HostPaths.AllowedFolder(source, config.HostPaths) is not { } folder)
            return $"This host ({config.Name}) does not let containers mount the host path {Shorten(source)}; its config allows folders: {List(config.HostPaths)}.";
        return HostPaths.LinkBelow(folder, source) is { } link
            ? $"The host path {Shorten(source)} goes through the symbolic link {link}, which could lead outside {folder}; this host refuses it."
            : null;
    }

    /// <summary>
    /// Checks a container spec and returns it with every published port bound to the config's address, or null
    /// and the first refusal. The image is checked separately (<see cref="ImageRefusal"/>), since an id needs the engine.
    /// </summary>
    public ContainerSpec? CheckCreate(ContainerSpec spec, out string? refusal)
    {
        refusal = spec.Labels.TryGetValue(ServiceLabel, out var service) && service.Length > 0
            ? AllowsService(service) ? null : $"This host ({config.Name}) does not run service '{Shorten(service)}'; its config allows: {config.ServiceList}."
            : $"The container has no {ServiceLabel} label; this host ({config.Name}) creates only containers of its services ({config.ServiceList}), labelled so.";
        refusal ??= NetworkRefusal(spec.Network);
        foreach (var bind in spec.Settings.Volumes)
        {
            refusal ??= VolumeRefusal(bind);
        }
        var ports = new List<PortBinding>();
        foreach (var port in spec.Ports)
        {
            if (port.HostIp is not ("" or "127.0.0.1") && port.HostIp != config.Address)
                refusal ??= $"A port may be published only on this host's address {config.Address}, not on '{Shorten(port.HostIp)}'.";
            if (port.HostPort is not 0 and (< 1024 or > 65535))
                refusal ??= $"Host port {port.HostPort} is refused: publish on 1024-65535 (or 0 for one the engine picks), never on a port below 1024 such as ssh's.";
            if (port.ContainerPort is < 1 or > 65535)
                refusal ??= $"Container port {port.ContainerPort} is not a port.";
            if (port.Protocol is not ("tcp" or "udp"))
                refusal ??= $"Protocol '{Shorten(port.Protocol)}' is not tcp or udp.";
            ports.Add(port with { HostIp = config.Address });
        }
        return refusal is null ? spec with { Ports = ports } : null;
    }

    private static string List(IEnumerable<string> items) => items.Any() ? string.Join(", ", items) : "none";

    /// <summary>A value quoted in a refusal comes from the request: one line, and not a page of it.</summary>
    public static string Shorten(string value)
    {
        var clean = new string([.. value.Select(c => char.IsControl(c) ? '?' : c)]);
        return clean.Length <= 100 ? clean : clean[..100] + "…";
    }
}
