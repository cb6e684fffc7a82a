namespace Baton.Hosts.Remote;

/// <summary>Deadlines of <see cref="RemoteEngine"/>; the clock is injectable so tests can drive it.</summary>
public sealed record RemoteEngineOptions
{
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>
    /// How long one call may take, reaching the server included, before the server counts as unreachable; calls that
    /// wait by nature (stop, wait, pull) get their own time on top. <value>The default is 60 s.</value>
    /// </summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// An event stream with neither an event nor the agent's heartbeat (every 15 s) for this long is taken as broken.
    /// <value>The default is 50 s.</value>
    /// </summary>
    public TimeSpan EventSilenceTimeout { get; init; } = TimeSpan.FromSeconds(50);

    /// <summary>The longest answer line read (logs are the long ones). <value>The default is 64 MiB.</value></summary>
    public int MaxAnswerBytes { get; init; } = 64 * 1024 * 1024;

    /// <summary>
    /// How many session channels (one agent answering request after request) are kept open for calls; 0: a channel
    /// per call, as before sessions. A call finding none idle opens one, or a single-request channel once this many
    /// are busy, so a session never holds a channel another call waits for. <value>The default is 4.</value>
    /// </summary>
    public int SessionChannels { get; init; } = 4;

    /// <summary>
    /// A session channel idle for longer is closed, not used again: well inside the agent's own bound (60 s), so the
    /// agent never ends a session while a request is on its way to it. <value>The default is 20 s.</value>
    /// </summary>
    public TimeSpan SessionIdleTimeout { get; init; } = TimeSpan.FromSeconds(20);

    /// <summary>Where sentences for a debug log go (an agent of an older Baton without sessions); null: nowhere.</summary>
    public Action<string>? Debug { get; init; }
}
