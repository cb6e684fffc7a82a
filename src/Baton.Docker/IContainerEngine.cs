namespace Baton.Docker;

/// <summary>
/// What Baton asks of a container engine, wherever it runs: the local engine's API
/// (<see cref="DockerEngine"/>), or an app server's engine reached through that server's
/// <c>baton host</c> forced command. Every failure is a value with one sentence, never an exception.
/// </summary>
public interface IContainerEngine
{
    /// <summary>Where the engine is, for sentences: a socket path, a URL, or a server's name and address.</summary>
    string Description { get; }

    IContainers Containers { get; }

    IImages Images { get; }

    IEvents Events { get; }

    /// <summary>Checks that a network exists (by name or id); a missing one is <see cref="DockerErrorKind.NetworkNotFound"/>.</summary>
    Task<DockerResult> NetworkExistsAsync(string name, CancellationToken ct);
}

/// <summary>Container calls: create, start, stop, kill, remove, inspect, list, logs, wait.</summary>
public interface IContainers
{
    /// <summary>Creates (does not start) a container and returns its id.</summary>
    Task<DockerResult<string>> CreateAsync(ContainerSpec spec, CancellationToken cancellationToken = default);

    /// <summary>Starts a container; starting a running one is a success.</summary>
    Task<DockerResult> StartAsync(string container, CancellationToken cancellationToken = default);

    /// <summary>SIGTERM, then SIGKILL after <paramref name="timeout"/> (null: the container's own). Stopping a stopped container is a success.</summary>
    Task<DockerResult> StopAsync(string container, TimeSpan? timeout = null, CancellationToken cancellationToken = default);

    /// <summary>Sends a signal (SIGKILL unless told otherwise); a container that is not running is a <see cref="DockerErrorKind.Conflict"/>.</summary>
    Task<DockerResult> KillAsync(string container, string signal = "SIGKILL", CancellationToken cancellationToken = default);

    /// <summary>Removes a container and its anonymous volumes; <paramref name="force"/> kills it first if it runs.</summary>
    Task<DockerResult> RemoveAsync(string container, bool force = false, CancellationToken cancellationToken = default);

    Task<DockerResult<ContainerInfo>> InspectAsync(string container, CancellationToken cancellationToken = default);

    /// <summary>Containers, stopped ones too, that carry every one of <paramref name="labels"/> (<c>key</c> or <c>key=value</c>).</summary>
    Task<DockerResult<IReadOnlyList<ContainerSummary>>> ListAsync(IReadOnlyList<string> labels, CancellationToken cancellationToken = default);

    /// <summary>Containers with one label: <c>key</c> or <c>key=value</c>.</summary>
    Task<DockerResult<IReadOnlyList<ContainerSummary>>> ListAsync(string label, CancellationToken cancellationToken = default) =>
        ListAsync([label], cancellationToken);

    /// <summary>The last <paramref name="lines"/> lines of the container's stdout and stderr, interleaved as written.</summary>
    Task<DockerResult<string>> LogsAsync(string container, int lines = 100, CancellationToken cancellationToken = default);

    /// <summary>
    /// The last <paramref name="lines"/> lines of the container's stdout and stderr written at or after
    /// <paramref name="since"/> (null: any time), each starting with the engine's timestamp
    /// (RFC 3339, nine fraction digits, UTC) and a space: what <c>baton logs</c> merges and follows.
    /// </summary>
    Task<DockerResult<string>> TimestampedLogsAsync(string container, int lines, DateTimeOffset? since, CancellationToken cancellationToken = default) =>
        Task.FromResult<DockerResult<string>>(new DockerError(DockerErrorKind.Engine, $"This engine cannot read timestamped logs of container {container}."));

    /// <summary>Waits until the container is not running and returns its exit code; no deadline unless given one.</summary>
    Task<DockerResult<long>> WaitAsync(string container, TimeSpan? timeout = null, CancellationToken cancellationToken = default);
}

/// <summary>Image calls: inspect and pull.</summary>
public interface IImages
{
    /// <summary>Inspects a local image; a missing one is <see cref="DockerErrorKind.ImageNotFound"/>.</summary>
    Task<DockerResult<ImageInfo>> InspectAsync(string reference, CancellationToken cancellationToken = default);

    /// <summary>Pulls an image (tag defaults to latest) and returns it as inspected afterwards. No deadline unless given one.</summary>
    Task<DockerResult<ImageInfo>> PullAsync(string reference, RegistryCredentials? credentials = null, IProgress<string>? progress = null,
        TimeSpan? timeout = null, CancellationToken cancellationToken = default);
}

/// <summary>The engine's event stream, filtered by label.</summary>
public interface IEvents
{
    /// <summary>
    /// Opens the stream of events of containers that carry every one of <paramref name="labels"/> (<c>key</c> or
    /// <c>key=value</c>); <paramref name="since"/> replays events from that time first so none fall in a gap.
    /// </summary>
    Task<DockerResult<IEventSubscription>> SubscribeAsync(IReadOnlyList<string>? labels = null, DateTimeOffset? since = null, CancellationToken cancellationToken = default);
}

/// <summary>
/// An open event stream. Enumerate it once; it ends when the caller cancels, the subscription is disposed, or the
/// engine closes the stream, in which case <see cref="Failure"/> says why when it was not a clean end.
/// </summary>
public interface IEventSubscription : IAsyncEnumerable<DockerEvent>, IAsyncDisposable
{
    /// <summary>Set when the stream broke rather than ended; a watcher then resubscribes (with since) to catch up.</summary>
    DockerError? Failure { get; }
}
