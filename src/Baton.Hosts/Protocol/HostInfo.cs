namespace Baton.Hosts.Protocol;

/// <summary>
/// What <c>ping</c> tells of a host: its name, its engine, and what its config allows, so <c>baton host check</c>
/// can show the operator what this key may do there.
/// </summary>
public sealed record HostInfo
{
    public required string Name { get; init; }

    /// <summary>The version of <c>baton host</c>'s protocol (<c>1</c>).</summary>
    public int Protocol { get; init; }

    /// <summary>The engine's version, e.g. 20.10.24.</summary>
    public required string EngineVersion { get; init; }

    public required string ApiVersion { get; init; }

    /// <summary>The address published ports bind to.</summary>
    public required string Address { get; init; }

    public required IReadOnlyList<string> Services { get; init; }

    public required IReadOnlyList<string> Images { get; init; }

    public IReadOnlyList<string> Networks { get; init; } = [];

    public IReadOnlyList<string> Volumes { get; init; } = [];
}
