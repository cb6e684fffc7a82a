using System.Net;
using Microsoft.AspNetCore.Connections;

namespace Baton.Router.Listeners;

/// <summary>
/// Lets a router process stop taking new connections while it keeps serving the ones it has, which
/// Kestrel alone cannot: its stop unbinds and then at once closes every connection that has not
/// started a request, including one accepted a moment ago whose first request is still on its way
/// (the client reads nothing). During a handover the old process pauses here first; the new one,
/// on the same listening sockets, takes every new connection from then on, and the old one's last
/// connections get their answers before it stops.
/// </summary>
public sealed class AcceptSwitch
{
    private readonly CancellationTokenSource _paused = new();

    public bool IsPaused => _paused.IsCancellationRequested;

    internal CancellationToken PausedToken => _paused.Token;

    /// <summary>No listener of this process accepts a new connection any more (an accept in progress is cancelled).</summary>
    public void Pause() => _paused.Cancel();
}

/// <summary>Wraps the transport's listener factory so that every listener obeys one <see cref="AcceptSwitch"/>.</summary>
public sealed class PausableListenerFactory(IConnectionListenerFactory inner, AcceptSwitch accepting) : IConnectionListenerFactory, IConnectionListenerFactorySelector
{
    public async ValueTask<IConnectionListener> BindAsync(EndPoint endpoint, CancellationToken cancellationToken = default) =>
        new PausableListener(await inner.BindAsync(endpoint, cancellationToken).ConfigureAwait(false), accepting);

    public bool CanBind(EndPoint endpoint) => inner is not IConnectionListenerFactorySelector selector || selector.CanBind(endpoint);

    private sealed class PausableListener(IConnectionListener inner, AcceptSwitch accepting) : IConnectionListener
    {
        private readonly CancellationTokenSource _unbound = new();

        public EndPoint EndPoint => inner.EndPoint;

        public async ValueTask<ConnectionContext?> AcceptAsync(CancellationToken cancellationToken = default)
        {
            if (!accepting.IsPaused)
            {
                using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, accepting.PausedToken);
                try
                {
                    return await inner.AcceptAsync(linked.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (accepting.IsPaused && !cancellationToken.IsCancellationRequested)
                {
                    // Paused while waiting: no connection was taken.
                }
            }
            // Paused: Kestrel's accept loop waits here until it unbinds (null ends the loop).
            using var done = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _unbound.Token);
            try
            {
                await Task.Delay(Timeout.Infinite, done.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
            }
            return null;
        }

        public async ValueTask UnbindAsync(CancellationToken cancellationToken = default)
        {
            await _unbound.CancelAsync().ConfigureAwait(false);
            await inner.UnbindAsync(cancellationToken).ConfigureAwait(false);
        }

        public async ValueTask DisposeAsync()
        {
            _unbound.Dispose();
            await inner.DisposeAsync().ConfigureAwait(false);
        }
    }
}
