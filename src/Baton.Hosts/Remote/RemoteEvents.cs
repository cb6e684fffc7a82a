using Baton.Docker;
using Baton.Hosts.Protocol;

namespace Baton.Hosts.Remote;

/// <summary>
/// An app server's event stream: one long-lived channel whose input stays open (closing it ends the stream),
/// opened once the agent's first answer says the engine's stream is open.
/// </summary>
internal sealed class RemoteEvents(RemoteEngine engine) : IEvents
{
    public async Task<DockerResult<IEventSubscription>> SubscribeAsync(IReadOnlyList<string>? labels = null, DateTimeOffset? since = null, CancellationToken cancellationToken = default)
    {
        var action = $"watch events of containers labelled {(labels is { Count: > 0 } ? string.Join(", ", labels) : "baton.service")}";
        var limit = engine.Options.RequestTimeout;
        using var deadline = new CancellationTokenSource(limit, engine.Options.TimeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
        IHostChannel? channel = null;
        try
        {
            var (open, unreachable) = await engine.OpenAsync(action, linked.Token).ConfigureAwait(false);
            if (open is null) return unreachable!;
            channel = open;
            var request = new HostRequest { Op = HostOps.Events, Labels = labels is { Count: > 0 } ? [.. labels] : null, Since = since };
            await channel.Input.WriteAsync(HostJson.Line(request, HostJson.Default.HostRequest), linked.Token).ConfigureAwait(false);
            await channel.Input.FlushAsync(linked.Token).ConfigureAwait(false);
            var reader = new LineReader(channel.Output, engine.Options.MaxAnswerBytes);
            var line = await reader.ReadAnswerAsync(linked.Token).ConfigureAwait(false);
            if (line is null)
            {
                channel.Input.Close();
                var (exitCode, stderr) = await channel.CompletionAsync(linked.Token).ConfigureAwait(false);
                return engine.NoAnswer(action, exitCode, stderr);
            }
            var answer = engine.Parse(line, HostJson.Default.HostAnswer, action, out var unreadable);
            if (answer is null) return unreadable!;
            if (!answer.Ok) return engine.Failure(answer);
            var subscription = new RemoteEventSubscription(channel, reader, engine.Description, engine.Options);
            channel = null;
            return subscription;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new DockerError(DockerErrorKind.EngineUnreachable, $"{engine.Description} did not answer within {limit.TotalSeconds:0.#} s when asked to {action}.");
        }
        catch (Exception e) when (e is IOException or InvalidDataException or ObjectDisposedException && !cancellationToken.IsCancellationRequested)
        {
            return new DockerError(DockerErrorKind.EngineUnreachable, $"The channel to {engine.Description} broke when asked to {action}: {e.Message.TrimEnd('.')}.");
        }
        finally
        {
            if (channel is not null) await channel.DisposeAsync().ConfigureAwait(false);
        }
    }
}
