namespace Baton.Hosts.Remote;

/// <summary>One open session channel: its agent answers one request after another; its reader keeps what it read past an answer.</summary>
internal sealed class HostSession(IHostChannel channel, LineReader reader)
{
    public IHostChannel Channel => channel;

    public LineReader Reader => reader;

    /// <summary>When it was last put back idle (<see cref="TimeProvider.GetTimestamp"/>).</summary>
    public long IdleSince { get; set; }
}

/// <summary>
/// The session channels of one <see cref="RemoteEngine"/>: at most <see cref="RemoteEngineOptions.SessionChannels"/>
/// open at once, idle or busy. A session goes back here only after an exchange that ended cleanly (one request
/// written, its answer read); any other end disposes it. An idle one is handed out again only while it is younger
/// than <see cref="RemoteEngineOptions.SessionIdleTimeout"/> and its program has not ended; else it is closed.
/// </summary>
internal sealed class HostSessions(RemoteEngineOptions options) : IAsyncDisposable
{
    private readonly Lock gate = new();

    /// <summary>Most recently used last: the ones used least age out.</summary>
    private readonly List<HostSession> idle = [];

    private int open;
    private bool disposed;
    private volatile bool refused;

    /// <summary>The agent refused the session operation (an older Baton): calls open a channel each from then on.</summary>
    public bool Refused
    {
        get => refused;
        set => refused = value;
    }

    /// <summary>
    /// An idle session fit for a request, or else whether a new one may be opened (the caller then holds a place:
    /// it must use it for the session it opens, or <see cref="Release"/> it). Stale idle ones are closed on the way.
    /// </summary>
    public async Task<(HostSession? Idle, bool MayOpen)> TakeAsync()
    {
        List<HostSession> stale = [];
        (HostSession?, bool) taken;
        lock (gate)
        {
            if (disposed || refused || options.SessionChannels <= 0)
            {
                taken = (null, false);
            }
            else
            {
                HostSession? fresh = null;
                while (fresh is null && idle.Count > 0)
                {
                    var last = idle[^1];
                    idle.RemoveAt(idle.Count - 1);
                    if (Usable(last))
                    {
                        fresh = last;
                    }
                    else
                    {
                        stale.Add(last);
                        open--;
                    }
                }
                // Older ones than a stale one are staler still.
                foreach (var old in idle.Where(s => !Usable(s)).ToList())
                {
                    idle.Remove(old);
                    stale.Add(old);
                    open--;
                }
                var mayOpen = fresh is null && open < options.SessionChannels;
                if (mayOpen) open++;
                taken = (fresh, mayOpen);
            }
        }
        foreach (var s in stale) await CloseAsync(s).ConfigureAwait(false);
        return taken;
    }

    /// <summary>Gives back a place <see cref="TakeAsync"/> held when no session was opened in it.</summary>
    public void Release()
    {
        lock (gate) open--;
    }

    /// <summary>Puts a session back after an exchange that ended cleanly.</summary>
    public async Task ReturnAsync(HostSession session)
    {
        lock (gate)
        {
            if (!disposed)
            {
                session.IdleSince = options.TimeProvider.GetTimestamp();
                idle.Add(session);
                return;
            }
            open--;
        }
        await CloseAsync(session).ConfigureAwait(false);
    }

    /// <summary>Closes a session whose state is not clear (an error, a deadline, a cancellation): never used again.</summary>
    public async Task DiscardAsync(HostSession session)
    {
        lock (gate) open--;
        await CloseAsync(session).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        List<HostSession> closing;
        lock (gate)
        {
            disposed = true;
            closing = [.. idle];
            open -= idle.Count;
            idle.Clear();
        }
        foreach (var s in closing) await CloseAsync(s).ConfigureAwait(false);
    }

    private bool Usable(HostSession s) =>
        !s.Channel.HasEnded && options.TimeProvider.GetElapsedTime(s.IdleSince) < options.SessionIdleTimeout;

    /// <summary>Closing its input ends the agent's session (it exits); the channel goes with it.</summary>
    private static async Task CloseAsync(HostSession s)
    {
        try
        {
            s.Channel.Input.Close();
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException)
        {
            // Gone already: nothing to end.
        }
        await s.Channel.DisposeAsync().ConfigureAwait(false);
    }
}
