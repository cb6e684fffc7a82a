using System.Text.Json;
using Baton.Docker;
using Baton.Hosts.Protocol;

namespace Baton.Hosts.Remote;

/// <summary>
/// Events from an app server's agent. It ends cleanly when the agent sends its end line or the caller disposes or
/// cancels; <see cref="Failure"/> is set when the channel broke: it closed without the end line, the engine's stream
/// broke on the server, or nothing (not even the agent's heartbeat) arrived for <see cref="RemoteEngineOptions.EventSilenceTimeout"/>.
/// </summary>
internal sealed class RemoteEventSubscription(IHostChannel channel, LineReader reader, string description, RemoteEngineOptions options) : IEventSubscription
{
    private readonly CancellationTokenSource disposed = new();

    public DockerError? Failure { get; private set; }

    public async IAsyncEnumerator<DockerEvent> GetAsyncEnumerator(CancellationToken cancellationToken = default)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, disposed.Token);
        while (true)
        {
            var next = await NextAsync(linked.Token, cancellationToken).ConfigureAwait(false);
            if (next is null) yield break;
            yield return next;
        }
    }

    /// <summary>The next event, or null at the end (with <see cref="Failure"/> set when it was not a clean one).</summary>
    private async Task<DockerEvent?> NextAsync(CancellationToken linked, CancellationToken caller)
    {
        while (true)
        {
            using var silence = new CancellationTokenSource(options.EventSilenceTimeout, options.TimeProvider);
            using var read = CancellationTokenSource.CreateLinkedTokenSource(linked, silence.Token);
            byte[]? line;
            try
            {
                line = await reader.ReadLineAsync(read.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (disposed.IsCancellationRequested && !caller.IsCancellationRequested)
            {
                return null;
            }
            catch (OperationCanceledException) when (silence.IsCancellationRequested && !linked.IsCancellationRequested)
            {
                Failure = new DockerError(DockerErrorKind.EngineUnreachable,
                    $"The event stream from {description} went silent for {options.EventSilenceTimeout.TotalSeconds:0} s (not even the agent's heartbeat); the channel is taken as broken.");
                return null;
            }
            catch (Exception e) when (e is IOException or InvalidDataException or ObjectDisposedException && !linked.IsCancellationRequested)
            {
                Failure = new DockerError(DockerErrorKind.EngineUnreachable, $"The event stream from {description} broke: {e.Message.TrimEnd('.')}.");
                return null;
            }
            if (line is null)
            {
                if (!disposed.IsCancellationRequested)
                    Failure = new DockerError(DockerErrorKind.EngineUnreachable, $"The event stream from {description} ended without the agent's end line: the channel closed.");
                return null;
            }
            if (line.Length == 0) continue;
            EventLine? item;
            try
            {
                item = JsonSerializer.Deserialize(line, HostJson.Default.EventLine);
            }
            catch (JsonException)
            {
                continue;
            }
            if (item?.End == true)
            {
                if (item.Error is { } kind) Failure = new DockerError(kind, $"{description}: {item.Message ?? "the engine's event stream broke"}");
                return null;
            }
            if (item?.Event is { } e2) return e2;
        }
    }

    /// <summary>Closes the channel's input (the agent ends its stream on seeing that) and the channel.</summary>
    public async ValueTask DisposeAsync()
    {
        if (disposed.IsCancellationRequested) return;
        await disposed.CancelAsync().ConfigureAwait(false);
        try
        {
            channel.Input.Close();
        }
        catch (IOException)
        {
            // Already gone: nothing to tell.
        }
        // The token source stays undisposed: an enumeration that starts after this must still see it cancelled.
        await channel.DisposeAsync().ConfigureAwait(false);
    }
}
