namespace Baton.Contracts;

/// <summary>
/// A deploy: either an <see cref="Image"/> of an applied service (blue-green on Docker), or
/// <see cref="Targets"/> that something else started (new pool → wait healthy → swap → drain).
/// Durations are text (<c>60s</c>) and are validated by the server.
/// </summary>
public sealed record DeployRequest
{
    /// <summary>Endpoints started by something else, <c>HOST:PORT</c>.</summary>
    public IReadOnlyList<string>? Targets { get; init; }
    /// <summary>An image <c>REPOSITORY:TAG</c> to deploy blue-green, for a service applied from its baton.yml.</summary>
    public string? Image { get; init; }
    /// <summary>Stop before the switch; the new colour waits on its staging route for promote or abort.</summary>
    public bool Hold { get; init; }
    /// <summary><c>blue-green</c> (the default), <c>canary</c> or <c>rolling</c>; Docker services only.</summary>
    public string? Strategy { get; init; }
    /// <summary>Canary shares in percent, rising to 100; null takes the service file's.</summary>
    public IReadOnlyList<int>? Steps { get; init; }
    /// <summary>How long each canary step (or rolling batch) is watched, e.g. <c>60s</c>.</summary>
    public string? StepTime { get; init; }
    /// <summary>How long the new release is watched after the switch with the old one warm, e.g. <c>30s</c>; <c>0s</c> turns it off. Null takes the service file's <c>watch</c>.</summary>
    public string? Watch { get; init; }
    /// <summary>Allow an image from another repository than the service file's <c>image</c>.</summary>
    public bool OtherRepository { get; init; }
    public int? MaxSurge { get; init; }
    public int? MaxUnavailable { get; init; }
    /// <summary>Hosts the service answers on (exact or <c>*.example.com</c>); empty means any host. Null keeps the current ones.</summary>
    public IReadOnlyList<string>? Hosts { get; init; }
    /// <summary>Path prefix; null keeps the current one (<c>/</c> for a new service).</summary>
    public string? Path { get; init; }
    public HealthCheckSpec? Health { get; init; }
    public string? DeployTimeout { get; init; }
    public string? DrainTimeout { get; init; }
    /// <summary>How long a target may take to start answering before the client gets 504 (<c>60s</c> by default); null keeps the current one.</summary>
    public string? TargetTimeout { get; init; }
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
/// <param name="Kind"><c>step</c>, <c>info</c>, <c>done</c>, <c>failed</c>, or <c>stopped</c> (Baton stopped during the operation; the next start finishes or rolls it back).</param>
public sealed record DeployEvent(string Kind, string Message, DateTimeOffset At);

public sealed record PauseRequest(string? Max);

public sealed record RollbackRequest(string? To);

/// <summary>The text of a baton.yml; the service's name comes from the file.</summary>
public sealed record ApplyRequest(string Yaml, string? FileName);

public sealed record ApplyResponse(string Service, bool Created, string Message);

public sealed record RemoveResponse(string Service, string Message);

/// <param name="On">Required: true shows the maintenance page, false takes it away.</param>
public sealed record MaintenanceRequest(bool? On, string? Message);

/// <param name="Percent">The candidate's share of clients, 0–100 (to 0.01); 0 sends everyone to the active pool.</param>
public sealed record CanaryRequest(double? Percent);
