using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Baton.Docker;

namespace Baton.Deploy.Servers;

/// <summary>
/// The events of every server as one stream, each container's id as the fleet gives it. When one
/// server's stream breaks, the merged stream ends with that failure, so the watcher resubscribes
/// (with since) and misses nothing on any server.
/// </summary>
internal sealed class FleetEvents(ServerFleet fleet) : IEvents
{
    public async Task<DockerResult<IEventSubscription>> SubscribeAsync(IReadOnlyList<string>? labels = null, DateTimeOffset? since = null, CancellationToken cancellationToken = default)
    {
        // One engine (no app servers yet): its own stream, ids and ends as they are.
        if (fleet.Members is [var only] && only.Name.Length == 0) return await only.Engine.Events.SubscribeAsync(labels, since, cancellationToken).ConfigureAwait(false);
        var opened = new List<(string Server, IEventSubscription Events)>();
        foreach (var (name, engine) in fleet.Members)
        {
            var one = await engine.Events.SubscribeAsync(labels, since, cancellationToken).ConfigureAwait(false);
            if (!one.TryGetValue(out var events, out var error))
            {
                foreach (var (_, e) in opened) await e.DisposeAsync().ConfigureAwait(false);
                return error;
            }
            opened.Add((name, events));
        }
        return new Merged(opened);
    }

    private sealed class Merged(List<(string Server, IEventSubscription Events)> parts) : IEventSubscription
    {
        private readonly CancellationTokenSource _disposed = new();

        public DockerError? Failure { get; private set; }

        public async IAsyncEnumerator<DockerEvent> GetAsyncEnumerator(CancellationToken cancellationToken = default)
        {
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _disposed.Token);
            var channel = Channel.CreateUnbounded<DockerEvent>(new UnboundedChannelOptions { SingleReader = true });
            var pumps = parts.Select(p => PumpAsync(p.Server, p.Events, channel.Writer, linked)).ToList();
            _ = Task.WhenAll(pumps).ContinueWith(_ => channel.Writer.TryComplete(), TaskScheduler.Default);
            while (true)
            {
                DockerEvent next;
                try
                {
                    if (!await channel.Reader.WaitToReadAsync(linked.Token).ConfigureAwait(false)) yield break;
                    if (!channel.Reader.TryRead(out next!)) continue;
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    yield break;
                }
                yield return next;
            }
        }

        /// <summary>Copies one server's events into the merged stream; its end (clean or broken) ends every part.</summary>
        private async Task PumpAsync(string server, IEventSubscription events, ChannelWriter<DockerEvent> writer, CancellationTokenSource all)
        {
            try
            {
                await foreach (var e in events.WithCancellation(all.Token).ConfigureAwait(false))
                    await writer.WriteAsync(e with { ActorId = ServerFleet.Id(server, e.ActorId) }, all.Token).ConfigureAwait(false);
                Failure ??= events.Failure ?? new DockerError(DockerErrorKind.EngineUnreachable, $"The event stream of {(server.Length == 0 ? "this machine's engine" : "server " + server)} ended.");
            }
            catch (OperationCanceledException)
            {
            }
            finally
            {
                await all.CancelAsync().ConfigureAwait(false);
            }
        }

        public async ValueTask DisposeAsync()
        {
            await _disposed.CancelAsync().ConfigureAwait(false);
            foreach (var (_, e) in parts) await e.DisposeAsync().ConfigureAwait(false);
            _disposed.Dispose();
        }
    }
}
