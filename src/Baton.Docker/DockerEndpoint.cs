namespace Baton.Docker;

/// <summary>PEM files for TLS to a <c>tcp://</c> engine: the CA that signed the engine's certificate and our client certificate.</summary>
/// <param name="CaCertificatePath">When set, the engine's certificate must chain to this CA (not to the system store).</param>
/// <param name="ClientCertificatePath">Client certificate (PEM), sent when the engine requires one (<c>--tlsverify</c>).</param>
/// <param name="ClientKeyPath">Private key (PEM) of the client certificate.</param>
public sealed record DockerTls(string? CaCertificatePath = null, string? ClientCertificatePath = null, string? ClientKeyPath = null)
{
    /// <summary>The docker CLI's layout: ca.pem, cert.pem and key.pem in one folder (DOCKER_CERT_PATH).</summary>
    public static DockerTls FromFolder(string folder) => new(
        Path.Combine(folder, "ca.pem"), Path.Combine(folder, "cert.pem"), Path.Combine(folder, "key.pem"));
}

/// <summary>Where the Docker engine listens: a unix socket or a TCP address, optionally with TLS.</summary>
public sealed record DockerEndpoint
{
    public const string DefaultSocketPath = "/var/run/docker.sock";

    private DockerEndpoint(string address) => Address = address;

    /// <summary>The address as written, e.g. <c>unix:///var/run/docker.sock</c>; used in messages.</summary>
    public string Address { get; }

    /// <summary>Set for a unix-socket endpoint.</summary>
    public string? SocketPath { get; private init; }

    /// <summary>Set for a TCP endpoint.</summary>
    public string? Host { get; private init; }

    public int Port { get; private init; }

    /// <summary>Set when a TCP endpoint speaks TLS.</summary>
    public DockerTls? Tls { get; private init; }

    public static DockerEndpoint Unix(string socketPath) =>
        new($"unix://{socketPath}") { SocketPath = socketPath };

    public static DockerEndpoint Tcp(string host, int port, DockerTls? tls = null) =>
        new($"tcp://{(host.Contains(':') ? $"[{host}]" : host)}:{port}") { Host = host, Port = port, Tls = tls };

    /// <summary>
    /// The engine the docker CLI would use: DOCKER_HOST (with DOCKER_TLS_VERIFY and DOCKER_CERT_PATH for TLS),
    /// else the local unix socket.
    /// </summary>
    public static DockerEndpoint FromEnvironment()
    {
        var host = Environment.GetEnvironmentVariable("DOCKER_HOST");
        if (string.IsNullOrWhiteSpace(host)) return Unix(DefaultSocketPath);
        DockerTls? tls = null;
        if (Environment.GetEnvironmentVariable("DOCKER_TLS_VERIFY") is { Length: > 0 } verify && verify != "0")
        {
            var certPath = Environment.GetEnvironmentVariable("DOCKER_CERT_PATH");
            tls = string.IsNullOrWhiteSpace(certPath)
                ? DockerTls.FromFolder(Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".docker"))
                : DockerTls.FromFolder(certPath);
        }
        return Parse(host, tls);
    }

    /// <summary>Parses <c>unix:///path</c> or <c>tcp://host:port</c>; throws <see cref="FormatException"/> on anything else.</summary>
    public static DockerEndpoint Parse(string address, DockerTls? tls = null)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (address.StartsWith("unix://", StringComparison.Ordinal))
        {
            var path = address["unix://".Length..];
            if (path.Length == 0 || path[0] != '/')
                throw new FormatException($"The Docker address '{address}' must name an absolute socket path, like unix:///var/run/docker.sock.");
            if (tls is not null)
                throw new FormatException($"The Docker address '{address}' is a unix socket, which does not use TLS.");
            return Unix(path);
        }
        if (address.StartsWith("tcp://", StringComparison.Ordinal))
        {
            var rest = address["tcp://".Length..].TrimEnd('/');
            var colon = rest.LastIndexOf(':');
            if (colon > 0 && int.TryParse(rest[(colon + 1)..], out var port) && port is > 0 and < 65536)
            {
                var host = rest[..colon].TrimStart('[').TrimEnd(']');
                if (host.Length > 0 && !host.Contains('/')) return Tcp(host, port, tls);
            }
        }
        throw new FormatException($"The Docker address '{address}' is neither unix:///path nor tcp://host:port.");
    }

    public override string ToString() => Address;
}
