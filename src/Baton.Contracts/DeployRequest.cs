namespace Baton.Contracts;

/// <summary>
/// Deploy endpoints that something else started: new pool → wait healthy → swap → drain the old pool.
/// Durations are text (<c>60s</c>) and are validated by the server.
/// </summary>
public sealed record DeployRequest
{
    public required IReadOnlyList<string> Targets { get; init; }
    /// <summary>Hosts the service answers on (exact or <c>*.example.com</c>); empty means any host. Null keeps the current ones.</summary>
    public IReadOnlyList<string>? Hosts { get; init; }
    /// <summary>Path prefix; null keeps the current one (<c>/</c> for a new service).</summary>
    public string? Path { get; init; }
    public HealthCheckSpec? Health { get; init; }
    public string? DeployTimeout { get; init; }
    public string? DrainTimeout { get; init; }
}

/// <summary>Active health check settings; any null member keeps the current value or the default.</summary>
public sealed record HealthCheckSpec
{
    public string? Path { get; init; }
    public string? Interval { get; init; }
    public string? Timeout { get; init; }
    public int? Passes { get; init; }
    public string? Host { get; init; }
}

/// <summary>One line of a deployment's progress, streamed as a server-sent event.</summary>
/// <param name="Kind"><c>step</c>, <c>info</c>, <c>done</c> or <c>failed</c>.</param>
public sealed record DeployEvent(string Kind, string Message, DateTimeOffset At);

public sealed record PauseRequest(string? Max);

public sealed record MaintenanceRequest(bool On, string? Message);
