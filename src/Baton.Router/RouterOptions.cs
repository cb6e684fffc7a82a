namespace Baton.Router;

/// <summary>Settings of the data plane that are not per service.</summary>
public sealed record RouterOptions
{
    /// <summary>Attempts per request when connecting to a target fails before any byte was sent.</summary>
    /// <value>The default is 3.</value>
    public int MaxAttempts { get; init; } = 3;

    /// <value>The default is 5 s.</value>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>How long a target may take to start answering when its service sets no <c>target_timeout</c>; then the client gets 504.</summary>
    /// <value>The default is 60 s (nginx's proxy_read_timeout).</value>
    public TimeSpan TargetTimeout { get; init; } = DefaultTargetTimeout;

    /// <summary>60 s, as nginx's proxy_read_timeout.</summary>
    public static readonly TimeSpan DefaultTargetTimeout = TimeSpan.FromSeconds(60);

    /// <summary>Seconds given in Retry-After when no healthy target can take a request.</summary>
    /// <value>The default is 5.</value>
    public int RetryAfterSeconds { get; init; } = 5;
}
