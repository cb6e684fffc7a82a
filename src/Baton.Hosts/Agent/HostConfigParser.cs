using System.Net;
using System.Text.RegularExpressions;
using Baton.Docker;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Baton.Hosts.Agent;

/// <summary>
/// Reads a host's config strictly: an unknown key, a value of the wrong shape or a missing required key is an
/// error naming the file, the line and the key, and a file with any error gives no config (the agent then answers
/// nothing rather than guess what the operator meant).
/// </summary>
/// <example>
/// <code>
/// name: app1
/// address: 10.200.0.2
/// services: [web, api, "shop-*"]
/// images: [registry.example.com/team/, 127.0.0.1:5000/baton-sample]
/// volumes: [web-data, /srv/baton]
/// networks: [shop_default, host]
/// log: /var/log/baton/host.log
/// </code>
/// </example>
internal static partial class HostConfigParser
{
    /// <summary>A host's config is a dozen lines; a file far beyond that is not one.</summary>
    public const int MaxBytes = 64 * 1024;

    private static readonly string[] Keys = ["name", "docker", "address", "services", "images", "volumes", "networks", "log"];

    /// <summary>Reads and parses the file; a file that cannot be read is one error too.</summary>
    public static (HostConfig? Config, IReadOnlyList<string> Errors) Load(string path)
    {
        string text;
        try
        {
            var info = new FileInfo(path);
            if (!info.Exists) return (null, [$"The host config {path} does not exist; give the file with --config (e.g. /etc/baton/host.yml)."]);
            if (info.Length > MaxBytes) return (null, [$"The host config {path} is {info.Length:N0} bytes; a host config is at most {MaxBytes / 1024} KiB."]);
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return (null, [$"The host config {path} could not be read: {e.Message.TrimEnd('.')}."]);
        }
        return Parse(text, path);
    }

    public static (HostConfig? Config, IReadOnlyList<string> Errors) Parse(string text, string fileName = "host.yml")
    {
        var errors = new List<string>();
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(text));
        }
        catch (YamlException e)
        {
            return (null, [$"{fileName} line {e.Start.Line}: this is not valid YAML ({e.Message.TrimEnd('.')})."]);
        }
        catch (ArgumentException e)
        {
            // YamlDotNet refuses a key given twice this way.
            return (null, [$"{fileName}: this is not valid YAML ({e.Message.TrimEnd('.')})."]);
        }
        catch (InvalidOperationException)
        {
            // Some unclosed flow lists end this way, with a message that says nothing to a person and no line.
            return (null, [$"{fileName}: this is not valid YAML (is a [list] or {{mapping}} left open?)."]);
        }
        if (stream.Documents.Count != 1 || stream.Documents[0].RootNode is not YamlMappingNode root)
            return (null, [$"{fileName}: the file must be one YAML mapping with at least name, services and images."]);

        void Error(YamlNode node, string key, string what) => errors.Add($"{fileName} line {node.Start.Line}: {key}: {what}.");

        foreach (var (keyNode, _) in root.Children)
        {
            var key = (keyNode as YamlScalarNode)?.Value ?? "";
            if (!Keys.Contains(key, StringComparer.Ordinal))
                errors.Add($"{fileName} line {keyNode.Start.Line}: unknown key '{key}'; a host config has {string.Join(", ", Keys)}.");
        }

        var name = Scalar(root, "name", Error);
        if (name is null) errors.Add($"{fileName}: name is missing: the host's name, e.g. name: app1.");
        else if (!HostName().IsMatch(name)) Error(Value(root, "name")!, "name", $"'{name}' is not a host name (lower-case letters, digits, '-' and '.', at most 63)");

        var docker = DockerEndpoint.FromEnvironment();
        if (Scalar(root, "docker", Error) is { } dockerText)
        {
            try
            {
                docker = dockerText.StartsWith('/') ? DockerEndpoint.Unix(dockerText) : DockerEndpoint.Parse(dockerText);
            }
            catch (FormatException e)
            {
                Error(Value(root, "docker")!, "docker", e.Message.TrimEnd('.'));
            }
        }

        var address = "127.0.0.1";
        if (Scalar(root, "address", Error) is { } addressText)
        {
            if (!IPAddress.TryParse(addressText, out var ip) || addressText.Contains('%', StringComparison.Ordinal))
                Error(Value(root, "address")!, "address", $"'{addressText}' is not an IP address (the one this server's published ports bind to, e.g. 10.200.0.2)");
            else if (ip.Equals(IPAddress.Any) || ip.Equals(IPAddress.IPv6Any))
                Error(Value(root, "address")!, "address", $"{addressText} would publish every container port on every interface; name the one address the router reaches this server at");
            else address = ip.ToString();
        }

        var services = new List<NamePattern>();
        foreach (var (node, s) in List(root, "services", Error))
        {
            if (ServiceGlob().IsMatch(s)) services.Add(new NamePattern(s));
            else Error(node, "services", $"'{s}' is not a service name or glob (lower-case letters, digits, '-', '_', '.', '*' and '?')");
        }
        if (Value(root, "services") is null) errors.Add($"{fileName}: services is missing: the services this host runs, e.g. services: [web, api].");
        else if (Value(root, "services") is YamlSequenceNode { Children.Count: 0 } noServices) Error(noServices, "services", "name at least one service this host runs");

        var images = new List<string>();
        foreach (var (node, i) in List(root, "images", Error))
        {
            if (ImagePrefix().IsMatch(i) && !i.Contains("//", StringComparison.Ordinal)) images.Add(i);
            else Error(node, "images", $"'{i}' is not a repository (e.g. 127.0.0.1:5000/baton-sample) or a folder of repositories ending in '/' (e.g. registry.example.com/team/)");
        }
        if (Value(root, "images") is null) errors.Add($"{fileName}: images is missing: the image repositories this host may run, e.g. images: [registry.example.com/team/].");
        else if (Value(root, "images") is YamlSequenceNode { Children.Count: 0 } noImages) Error(noImages, "images", "name at least one repository or folder of repositories");

        var namedVolumes = new List<NamePattern>();
        var hostPaths = new List<string>();
        foreach (var (node, v) in List(root, "volumes", Error))
        {
            if (v.StartsWith('/'))
            {
                var trimmed = v.Length > 1 ? v.TrimEnd('/') : v;
                if (trimmed == "/") Error(node, "volumes", "'/' would let containers mount every file of this host, the Docker socket included; name a folder such as /srv/baton");
                else if (!HostPaths.IsNormal(trimmed)) Error(node, "volumes", $"'{v}' is not a plain absolute folder (no '.', '..' or '//' in it)");
                else hostPaths.Add(trimmed);
            }
            else if (VolumeGlob().IsMatch(v)) namedVolumes.Add(new NamePattern(v));
            else Error(node, "volumes", $"'{v}' is neither a named volume (letters, digits, '_', '.', '-', or a glob) nor an absolute host folder");
        }

        var networks = new List<string>();
        var hostNetwork = false;
        foreach (var (node, n) in List(root, "networks", Error))
        {
            if (n == ContainerSpec.HostNetwork) hostNetwork = true;
            else if (n.Contains(':', StringComparison.Ordinal)) Error(node, "networks", $"'{n}' would let a container join another container's network; name user-defined networks, or host");
            else if (NetworkName().IsMatch(n)) networks.Add(n);
            else Error(node, "networks", $"'{n}' is not a network name");
        }

        string? log = null;
        if (Scalar(root, "log", Error) is { } logText)
        {
            if (logText.StartsWith('/')) log = logText;
            else Error(Value(root, "log")!, "log", $"'{logText}' must be an absolute file path, e.g. /var/log/baton/host.log");
        }

        if (errors.Count > 0) return (null, errors);
        return (new HostConfig
        {
            Name = name!,
            Docker = docker,
            Address = address,
            Services = services,
            Images = images,
            NamedVolumes = namedVolumes,
            HostPaths = hostPaths,
            Networks = networks,
            HostNetwork = hostNetwork,
            LogPath = log,
        }, []);
    }

    private static YamlNode? Value(YamlMappingNode map, string key) =>
        map.Children.TryGetValue(new YamlScalarNode(key), out var node) ? node : null;

    private static string? Scalar(YamlMappingNode map, string key, Action<YamlNode, string, string> error)
    {
        switch (Value(map, key))
        {
            case null:
                return null;
            case YamlScalarNode { Value: { Length: > 0 } text }:
                return text;
            case var node:
                error(node, key, "give one value");
                return null;
        }
    }

    /// <summary>A list of scalars (<c>[a, b]</c> or one per line), or one scalar for a list of one.</summary>
    private static IEnumerable<(YamlNode Node, string Value)> List(YamlMappingNode map, string key, Action<YamlNode, string, string> error)
    {
        switch (Value(map, key))
        {
            case null:
                yield break;
            case YamlScalarNode { Value: { Length: > 0 } text } scalar:
                yield return (scalar, text);
                yield break;
            case YamlSequenceNode sequence:
                foreach (var item in sequence.Children)
                {
                    if (item is YamlScalarNode { Value: { Length: > 0 } value }) yield return (item, value);
                    else error(item, key, "each entry must be one value, not a list or mapping");
                }
                yield break;
            case var node:
                error(node, key, "give a list, e.g. [a, b]");
                yield break;
        }
    }

    [GeneratedRegex(@"^[a-z0-9]([a-z0-9.-]{0,61}[a-z0-9])?$")]
    private static partial Regex HostName();

    [GeneratedRegex(@"^[a-z0-9_.*?-]{1,128}$")]
    private static partial Regex ServiceGlob();

    [GeneratedRegex(@"^[A-Za-z0-9._:/-]{1,255}$")]
    private static partial Regex ImagePrefix();

    [GeneratedRegex(@"^[A-Za-z0-9*?][A-Za-z0-9_.*?-]{0,127}$")]
    private static partial Regex VolumeGlob();

    [GeneratedRegex(@"^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$")]
    private static partial Regex NetworkName();
}
