namespace Baton.Router.Health;

/// <summary>How a service's targets are probed and when they are ejected.</summary>
public sealed record HealthCheckOptions
{
    /// <summary>
    /// The path a probe GETs, or <see cref="ConnectOnly"/>: a probe passes when a TCP connection
    /// opens (a service whose readiness the engine's own health check gates, with no HTTP health path).
    /// </summary>
    /// <value>The default is <c>/health</c>.</value>
    public string Path { get; init; } = "/health";

    /// <summary>The <see cref="Path"/> of a connect-only probe; no HTTP path looks like it (they start with /).</summary>
    public const string ConnectOnly = "tcp";

    /// <value>The default is 1 s.</value>
    public TimeSpan Interval { get; init; } = TimeSpan.FromSeconds(1);

    /// <value>The default is 5 s.</value>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Consecutive 2xx answers needed before a target takes traffic.</summary>
    /// <value>The default is 2.</value>
    public int Passes { get; init; } = 2;

    /// <summary>Consecutive failed probes that take a healthy target out.</summary>
    /// <value>The default is 3.</value>
    public int Failures { get; init; } = 3;

    /// <summary>Host header sent with probes; null sends the target's own address.</summary>
    public string? Host { get; init; }

    /// <summary>Consecutive connection failures of real requests that eject a target (passive health).</summary>
    /// <value>The default is 3.</value>
    public int EjectAfterConnectFailures { get; init; } = 3;
}
