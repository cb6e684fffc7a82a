namespace Baton.Server.Auth;

/// <summary>A session that is still valid, with the time it ends unless used again.</summary>
internal sealed record ActiveSession(SessionRecord Record, DateTimeOffset ExpiresAt);

/// <summary>
/// Cookie sessions of the web page. The browser holds a random id; the server keeps only its
/// SHA-256, so a copy of the database cannot be replayed. A session ends after
/// <see cref="ServerOptions.SessionIdleTimeout"/> without a call (each call extends it) and at
/// the latest <see cref="ServerOptions.SessionLifetime"/> after sign-in.
/// </summary>
internal sealed class Sessions(AccessStore store, TimeProvider time, TimeSpan idle, TimeSpan lifetime)
{
    public const string CookieName = "baton_session";

    /// <summary>Starts a session: the id for the cookie (never stored), and the session.</summary>
    public (string Id, ActiveSession Session) Create(string user)
    {
        store.DeleteSessionsSeenBefore(time.GetUtcNow() - idle, time.GetUtcNow() - lifetime);
        var id = Secrets.New("bs_");
        var hash = Secrets.Hash(id);
        store.AddSession(hash, user, Secrets.New(""));
        var record = store.GetSession(hash)!;
        return (id, new ActiveSession(record, ExpiresAt(record)));
    }

    /// <summary>The session of this cookie value, extended by this use; null when unknown, ended or expired.</summary>
    public ActiveSession? Validate(string? id)
    {
        if (string.IsNullOrEmpty(id) || id.Length > 200) return null;
        var hash = Secrets.Hash(id);
        var record = store.GetSession(hash);
        if (record is null) return null;
        var now = time.GetUtcNow();
        if (now >= ExpiresAt(record))
        {
            store.DeleteSession(hash);
            return null;
        }
        // Extend it, but write at most every few seconds however often the page polls.
        if (now - record.LastSeen >= TimeSpan.FromTicks(Math.Min(TimeSpan.FromSeconds(10).Ticks, idle.Ticks / 10)))
        {
            store.TouchSession(hash);
            record = record with { LastSeen = now };
        }
        return new ActiveSession(record, ExpiresAt(record));
    }

    public void End(string hash) => store.DeleteSession(hash);

    private DateTimeOffset ExpiresAt(SessionRecord r)
    {
        var idleEnd = r.LastSeen + idle;
        var hardEnd = r.Created + lifetime;
        return idleEnd < hardEnd ? idleEnd : hardEnd;
    }
}
