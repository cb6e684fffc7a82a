namespace Baton.Registry;

/// <summary>
/// Where an image repository lives: the registry host to talk to, the repository path on it, and
/// the base URL. Registries on a loopback address or <c>localhost</c> are spoken to over http (as
/// Docker treats 127.0.0.0/8 as insecure by default); every other registry over https. A reference without a registry host
/// means Docker Hub, where one-part names live under <c>library/</c>.
/// </summary>
public sealed record ImageName(string Host, string Repository, Uri BaseUri)
{
    /// <summary>The host Docker Hub's registry API answers on.</summary>
    public const string DockerHub = "registry-1.docker.io";

    /// <summary>Parses <c>[HOST[:PORT]/]PATH[:TAG][@DIGEST]</c>; the tag and digest are dropped.</summary>
    public static bool TryParse(string? reference, out ImageName name, out string error)
    {
        name = null!;
        var s = (reference ?? "").Trim();
        var at = s.IndexOf('@', StringComparison.Ordinal);
        if (at >= 0) s = s[..at];
        var slash = s.IndexOf('/', StringComparison.Ordinal);
        string host, path;
        if (slash > 0 && LooksLikeHost(s[..slash]))
        {
            host = NormalizeHost(s[..slash]);
            path = s[(slash + 1)..];
        }
        else
        {
            host = DockerHub;
            path = s;
        }
        var colon = path.LastIndexOf(':');
        if (colon >= 0) path = path[..colon];
        if (host == DockerHub && path.Length > 0 && !path.Contains('/', StringComparison.Ordinal)) path = "library/" + path;
        if (!IsRepositoryPath(path) || !IsHost(host) || BaseUriOf(host) is not { } baseUri)
        {
            error = $"'{reference}' is not an image repository such as 127.0.0.1:5000/shop.";
            return false;
        }
        name = new ImageName(host, path, baseUri);
        error = "";
        return true;
    }

    /// <summary>The base URL of a registry given by its host alone (as in <c>baton registry login HOST</c>).</summary>
    public static bool TryParseHost(string? host, out string normalized, out Uri baseUri, out string error)
    {
        normalized = NormalizeHost((host ?? "").Trim());
        baseUri = null!;
        if (!IsHost(normalized) || BaseUriOf(normalized) is not { } uri)
        {
            error = $"'{host}' is not a registry host such as registry.example.com or 127.0.0.1:5000.";
            return false;
        }
        baseUri = uri;
        error = "";
        return true;
    }

    /// <summary>http for loopback, else https; null when the host does not make a URL (bench/fuzz.sh found names that pass the checks above but not Uri's).</summary>
    private static Uri? BaseUriOf(string host) =>
        Uri.TryCreate($"{(IsLoopback(host) ? "http" : "https")}://{host}/", UriKind.Absolute, out var uri) ? uri : null;

    /// <summary>Docker's rule: the first part is a host when it has a dot or a port, or is localhost.</summary>
    private static bool LooksLikeHost(string part) =>
        part.Contains('.', StringComparison.Ordinal) || part.Contains(':', StringComparison.Ordinal) || part.Equals("localhost", StringComparison.OrdinalIgnoreCase);

    /// <summary>Docker Hub answers under several names; credentials and tokens are kept under one.</summary>
    private static string NormalizeHost(string host)
    {
        var h = host.ToLowerInvariant();
        return h is "docker.io" or "index.docker.io" ? DockerHub : h;
    }

    /// <summary>Only a real loopback address or <c>localhost</c>: a name such as <c>127.example.com</c> gets https like any other.</summary>
    private static bool IsLoopback(string host) =>
        SplitPort(host) is (var name, _) && RegistryAddresses.IsLoopbackHost(name);

    private static bool IsHost(string host)
    {
        if (host.Length is 0 or > 255 || SplitPort(host) is not (var name, var port)) return false;
        var bare = name.StartsWith('[') ? name[1..^1] : name;
        // The port in plain digits: int.TryParse also takes "+4" and "5000\0".
        return Uri.CheckHostName(bare) != UriHostNameType.Unknown
            && (port is null || port.Length is > 0 and <= 5 && port.All(char.IsAsciiDigit) && int.Parse(port, System.Globalization.CultureInfo.InvariantCulture) is > 0 and < 65536);
    }

    /// <summary>NAME[:PORT] or [IPv6][:PORT]; null when there is more than one unbracketed colon.</summary>
    private static (string Name, string? Port)? SplitPort(string host)
    {
        if (host.StartsWith('['))
        {
            var close = host.IndexOf(']', StringComparison.Ordinal);
            if (close < 0) return null;
            var rest = host[(close + 1)..];
            if (rest.Length == 0) return (host, null);
            return rest[0] == ':' ? (host[..(close + 1)], rest[1..]) : null;
        }
        var colon = host.IndexOf(':', StringComparison.Ordinal);
        if (colon < 0) return (host, null);
        return host.IndexOf(':', colon + 1) < 0 ? (host[..colon], host[(colon + 1)..]) : null;
    }

    /// <summary>Path components of lower-case letters and digits, joined by single separators (. _ __ -).</summary>
    private static bool IsRepositoryPath(string path)
    {
        if (path.Length is 0 or > 255) return false;
        foreach (var component in path.Split('/'))
        {
            if (component.Length == 0 || !char.IsAsciiLetterLower(component[0]) && !char.IsAsciiDigit(component[0])) return false;
            if (!char.IsAsciiLetterLower(component[^1]) && !char.IsAsciiDigit(component[^1])) return false;
            if (component.Any(c => !(char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '.' or '_' or '-'))) return false;
        }
        return true;
    }
}
