using System.Buffers.Binary;
using System.Globalization;
using System.Text;

namespace Baton.Docker;

/// <summary>Container calls of one engine: create, start, stop, kill, remove, inspect, list, logs, wait.</summary>
public sealed class Containers : IContainers
{
    private readonly DockerEngine engine;

    internal Containers(DockerEngine engine) => this.engine = engine;

    /// <summary>Creates (does not start) a container and returns its id.</summary>
    public async Task<DockerResult<string>> CreateAsync(ContainerSpec spec, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var path = spec.Name is null ? "containers/create" : $"containers/create?name={Uri.EscapeDataString(spec.Name)}";
        var result = await engine.CallAsync(HttpMethod.Post, path, DockerEngine.Json(spec.ToWire(), DockerJson.Default.CreateContainerRequest),
            $"create container {spec.Name ?? "from " + spec.Image}", DockerJson.Default.CreateContainerResponse, cancellationToken).ConfigureAwait(false);
        return result.TryGetValue(out var created, out var error) ? created.Id ?? "" : error;
    }

    /// <summary>Starts a container; starting a running one is a success.</summary>
    public Task<DockerResult> StartAsync(string container, CancellationToken cancellationToken = default) =>
        engine.CallAsync(HttpMethod.Post, $"containers/{Escape(container)}/start", null, $"start container {container}", cancellationToken);

    /// <summary>
    /// Sends SIGTERM, then SIGKILL after <paramref name="timeout"/> (null: the container's own stop timeout).
    /// Stopping a stopped container is a success.
    /// </summary>
    public Task<DockerResult> StopAsync(string container, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        var seconds = timeout is { } t ? (int)Math.Ceiling(t.TotalSeconds) : (int?)null;
        var path = $"containers/{Escape(container)}/stop" + (seconds is { } s ? $"?t={s.ToString(CultureInfo.InvariantCulture)}" : "");
        // The engine answers only once the container is down, so the call may take the whole stop timeout;
        // without a known timeout the engine's default (10 s) or the container's own could apply: allow a minute.
        var callTimeout = engine.Options.RequestTimeout + TimeSpan.FromSeconds(seconds ?? 60);
        return engine.CallAsync(HttpMethod.Post, path, null, $"stop container {container}", cancellationToken, callTimeout);
    }

    /// <summary>Sends a signal (SIGKILL unless told otherwise); a container that is not running is a <see cref="DockerErrorKind.Conflict"/>.</summary>
    public Task<DockerResult> KillAsync(string container, string signal = "SIGKILL", CancellationToken cancellationToken = default) =>
        engine.CallAsync(HttpMethod.Post, $"containers/{Escape(container)}/kill?signal={Uri.EscapeDataString(signal)}", null,
            $"send {signal} to container {container}", cancellationToken);

    /// <summary>Removes a container and its anonymous volumes; <paramref name="force"/> kills it first if it runs.</summary>
    public Task<DockerResult> RemoveAsync(string container, bool force = false, CancellationToken cancellationToken = default) =>
        engine.CallAsync(HttpMethod.Delete, $"containers/{Escape(container)}?v=true&force={(force ? "true" : "false")}", null,
            $"remove container {container}", cancellationToken);

    public async Task<DockerResult<ContainerInfo>> InspectAsync(string container, CancellationToken cancellationToken = default)
    {
        var result = await engine.CallAsync(HttpMethod.Get, $"containers/{Escape(container)}/json", null,
            $"inspect container {container}", DockerJson.Default.WireContainer, cancellationToken).ConfigureAwait(false);
        return result.TryGetValue(out var wire, out var error) ? ContainerInfo.From(wire) : error;
    }

    /// <summary>
    /// Lists containers, stopped ones too, that carry every one of <paramref name="labels"/>:
    /// each is <c>key</c> (any value) or <c>key=value</c>, e.g. <c>baton.service=web</c>.
    /// </summary>
    public async Task<DockerResult<IReadOnlyList<ContainerSummary>>> ListAsync(
        IReadOnlyList<string> labels, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(labels);
        var path = "containers/json?all=true" + (labels.Count == 0 ? "" : "&filters=" + Events.LabelFilter(labels));
        var result = await engine.CallAsync(HttpMethod.Get, path, null, $"list containers labelled {string.Join(", ", labels)}",
            DockerJson.Default.ListWireContainerSummary, cancellationToken).ConfigureAwait(false);
        return result.TryGetValue(out var list, out var error) ? list.Select(ContainerSummary.From).ToList() : error;
    }

    /// <summary>Lists containers with one label: <c>key</c> or <c>key=value</c>.</summary>
    public Task<DockerResult<IReadOnlyList<ContainerSummary>>> ListAsync(string label, CancellationToken cancellationToken = default) =>
        ListAsync([label], cancellationToken);

    /// <summary>The last <paramref name="lines"/> lines of the container's stdout and stderr, interleaved as written.</summary>
    public Task<DockerResult<string>> LogsAsync(string container, int lines = 100, CancellationToken cancellationToken = default) =>
        LogsAsync(container, lines, since: null, timestamps: false, cancellationToken);

    public Task<DockerResult<string>> TimestampedLogsAsync(string container, int lines, DateTimeOffset? since, CancellationToken cancellationToken = default) =>
        LogsAsync(container, lines, since, timestamps: true, cancellationToken);

    private async Task<DockerResult<string>> LogsAsync(string container, int lines, DateTimeOffset? since, bool timestamps, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(lines);
        // Without a TTY the engine multiplexes stdout and stderr into frames; with one it sends raw bytes.
        var inspected = await engine.CallAsync(HttpMethod.Get, $"containers/{Escape(container)}/json", null,
            $"read the logs of container {container}", DockerJson.Default.WireContainer, cancellationToken).ConfigureAwait(false);
        if (!inspected.TryGetValue(out var wire, out var error)) return error;
        var tty = wire.Config?.Tty == true;
        var path = $"containers/{Escape(container)}/logs?stdout=true&stderr=true&tail={lines.ToString(CultureInfo.InvariantCulture)}";
        if (timestamps) path += "&timestamps=true";
        // The engine takes seconds and nanoseconds since the epoch; ticks keep the caller's 100 ns.
        if (since is { } from)
        {
            long ticks = from.UtcTicks - DateTime.UnixEpoch.Ticks;
            path += $"&since={(ticks / TimeSpan.TicksPerSecond).ToString(CultureInfo.InvariantCulture)}.{(ticks % TimeSpan.TicksPerSecond * 100).ToString("D9", CultureInfo.InvariantCulture)}";
        }
        return await engine.ExchangeAsync(DockerEngine.Request(HttpMethod.Get, path), $"read the logs of container {container}",
            async (response, ct) =>
            {
                var bytes = await response.Content.ReadAsByteArrayAsync(ct).ConfigureAwait(false);
                return (DockerResult<string>)Encoding.UTF8.GetString(tty ? bytes : LogFrames.Demultiplex(bytes));
            }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Waits until the container is not running and returns its exit code; no deadline unless given one.</summary>
    public async Task<DockerResult<long>> WaitAsync(string container, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        var action = $"wait for container {container} to exit";
        var result = await engine.CallAsync(HttpMethod.Post, $"containers/{Escape(container)}/wait?condition=not-running", null,
            action, DockerJson.Default.WaitResponse, cancellationToken, timeout ?? Timeout.InfiniteTimeSpan).ConfigureAwait(false);
        if (!result.TryGetValue(out var wait, out var error)) return error;
        return wait.Error?.Message is { Length: > 0 } message
            ? new DockerError(DockerErrorKind.Engine, $"Could not {action}: {message.TrimEnd('.')}.")
            : wait.StatusCode;
    }

    private static string Escape(string container)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(container);
        return Uri.EscapeDataString(container);
    }
}

/// <summary>The engine's log multiplexing: frames of [stream type, 0, 0, 0, big-endian uint32 length] then the payload.</summary>
internal static class LogFrames
{
    public const int HeaderSize = 8;

    /// <summary>Concatenates the payloads of all frames in order; a truncated last frame keeps what arrived.</summary>
    public static byte[] Demultiplex(ReadOnlySpan<byte> data)
    {
        var output = new MemoryStream(data.Length);
        while (data.Length >= HeaderSize)
        {
            var length = (int)Math.Min(BinaryPrimitives.ReadUInt32BigEndian(data[4..HeaderSize]), int.MaxValue);
            var payload = data[HeaderSize..];
            var take = Math.Min(length, payload.Length);
            output.Write(payload[..take]);
            data = payload[take..];
        }
        return output.ToArray();
    }
}
