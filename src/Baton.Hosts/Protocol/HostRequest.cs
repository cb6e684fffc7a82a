using System.Text.Json.Serialization;

namespace Baton.Hosts.Protocol;

/// <summary>
/// One request to <c>baton host</c>: an <see cref="Op"/> (see <see cref="HostOps"/>) and the arguments that
/// operation takes. Fields this record does not have are refused (a <c>"Privileged": true</c> is an error,
/// not ignored), and so are arguments of another operation.
/// </summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
internal sealed record HostRequest
{
    public required string Op { get; init; }

    /// <summary>A container's id or name.</summary>
    public string? Container { get; init; }

    public SpecWire? Spec { get; init; }

    /// <summary>An image reference (inspect, pull).</summary>
    public string? Image { get; init; }

    /// <summary>For a pull from a private registry; passed to the engine, never logged.</summary>
    public CredentialsWire? Credentials { get; init; }

    /// <summary>Stop: SIGKILL after this; pull and wait: the deadline. Null: the container's own, or none.</summary>
    public TimeSpan? Timeout { get; init; }

    public string? Signal { get; init; }

    public bool? Force { get; init; }

    public int? Lines { get; init; }

    /// <summary><c>key</c> or <c>key=value</c>; the agent adds <c>baton.service</c> itself.</summary>
    public List<string>? Labels { get; init; }

    public DateTimeOffset? Since { get; init; }

    /// <summary>Logs: each line starts with the engine's timestamp.</summary>
    public bool? Timestamps { get; init; }

    public string? Network { get; init; }

    /// <summary>The JSON names of the arguments this request carries, to check against <see cref="HostOps.Arguments"/>.</summary>
    public IEnumerable<string> Carried()
    {
        if (Container is not null) yield return "container";
        if (Spec is not null) yield return "spec";
        if (Image is not null) yield return "image";
        if (Credentials is not null) yield return "credentials";
        if (Timeout is not null) yield return "timeout";
        if (Signal is not null) yield return "signal";
        if (Force is not null) yield return "force";
        if (Lines is not null) yield return "lines";
        if (Labels is not null) yield return "labels";
        if (Since is not null) yield return "since";
        if (Timestamps is not null) yield return "timestamps";
        if (Network is not null) yield return "network";
    }
}

/// <summary>Registry credentials on the wire; <see cref="ToString"/> never shows the password.</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
internal sealed record CredentialsWire
{
    public required string Username { get; init; }

    public required string Password { get; init; }

    public required string ServerAddress { get; init; }

    public Baton.Docker.RegistryCredentials ToCredentials() => new(Username, Password, ServerAddress);

    public static CredentialsWire From(Baton.Docker.RegistryCredentials c) => new() { Username = c.Username, Password = c.Password, ServerAddress = c.ServerAddress };

    public override string ToString() => $"{Username}@{ServerAddress}";
}
