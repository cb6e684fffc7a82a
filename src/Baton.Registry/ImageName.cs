namespace Baton.Registry;

/// <summary>
/// Where an image repository lives: the registry host to talk to, the repository path on it, and
/// the base URL. Registries on loopback are spoken to over http (as Docker treats 127.0.0.0/8 as
/// insecure by default); every other registry over https. A reference without a registry host
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
        if (!IsRepositoryPath(path) || !IsHost(host))
        {
            error = $"'{reference}' is not an image repository such as 127.0.0.1:5000/shop.";
            return false;
        }
        var scheme = IsLoopback(host) ? "http" : "https";
        name = new ImageName(host, path, new Uri($"{scheme}://{host}/"));
        error = "";
        return true;
    }

    /// <summary>The base URL of a registry given by its host alone (as in <c>baton registry login HOST</c>).</summary>
    public static bool TryParseHost(string? host, out string normalized, out Uri baseUri, out string error)
    {
        normalized = NormalizeHost((host ?? "").Trim());
        baseUri = null!;
        if (!IsHost(normalized))
        {
            error = $"'{host}' is not a registry host such as registry.example.com or 127.0.0.1:5000.";
            return false;
        }
        baseUri = new Uri($"{(IsLoopback(normalized) ? "http" : "https")}://{normalized}/");
        error = "";
        return true;
    }

    /// <summary>Docker's rule: the first part is a host when it has a dot or a port, or is localhost.</summary>
    private static bool LooksLikeHost(string part) =>
        part.Contains('.', StringComparison.Ordinal) || part.Contains(':', StringComparison.Ordinal) || part.Equals("localhost", StringComparison.OrdinalIgnoreCase);

    /// <summary>Docker Hub answers under several names; credentials and tokens are kept under one.</summary>
    private static string NormalizeHost(string host)
    {
        var h = host.ToLowerInvariant();
        return h is "docker.io" or "index.docker.io" ? DockerHub : h;
    }

    private static bool IsLoopback(string host) =>
        SplitPort(host) is (var name, _) && (name is "localhost" or "[::1]" || name.StartsWith("127.", StringComparison.Ordinal));

    private static bool IsHost(string host)
    {
        if (host.Length is 0 or > 255 || SplitPort(host) is not (var name, var port)) return false;
        var bare = name.StartsWith('[') ? name[1..^1] : name;
        return Uri.CheckHostName(bare) != UriHostNameType.Unknown && (port is null || int.TryParse(port, out var p) && p is > 0 and < 65536);
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
