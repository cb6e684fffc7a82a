namespace Baton.Server.Auth;

/// <summary>How hard repeated failed sign-ins are slowed.</summary>
public sealed record LoginThrottleOptions
{
    /// <summary>Failures are counted over this window.</summary>
    /// <value>The default is 15 minutes.</value>
    public TimeSpan Window { get; init; } = TimeSpan.FromMinutes(15);

    /// <summary>Failures for one user name within the window before sign-ins for it wait.</summary>
    /// <value>The default is 5.</value>
    public int FreeFailuresPerUser { get; init; } = 5;

    /// <summary>
    /// Failures from one client address within the window before sign-ins from it wait. Higher
    /// than per user, as the admin listener usually sees everyone come from loopback.
    /// </summary>
    /// <value>The default is 20.</value>
    public int FreeFailuresPerAddress { get; init; } = 20;

    /// <summary>The first wait; each further failure doubles it.</summary>
    /// <value>The default is 30 s.</value>
    public TimeSpan FirstDelay { get; init; } = TimeSpan.FromSeconds(30);

    /// <value>The default is 15 minutes.</value>
    public TimeSpan MaxDelay { get; init; } = TimeSpan.FromMinutes(15);
}

/// <summary>
/// Slows password guessing: after too many failed sign-ins for a user name or from a client
/// address, every sign-in for it (even with the right password) is refused until a delay has
/// passed, and each further failure doubles the delay. A success clears both counts. Kept in
/// memory: a restart forgets it, which only gives back the few free failures.
/// </summary>
public sealed class LoginThrottle(TimeProvider time, LoginThrottleOptions options)
{
    /// <summary>Most keys tracked at once, so a flood of made-up names cannot grow memory without end.</summary>
    private const int MaxKeys = 10_000;

    private readonly Dictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();

    /// <summary>How long a sign-in for this user from this address must still wait; null when it may be tried now.</summary>
    public TimeSpan? RetryAfter(string user, string address)
    {
        var now = time.GetUtcNow();
        lock (_gate)
        {
            var wait = TimeSpan.Zero;
            foreach (var key in Keys(user, address))
                if (_entries.TryGetValue(key, out var e) && e.LockedUntil > now && e.LockedUntil - now > wait) wait = e.LockedUntil - now;
            return wait > TimeSpan.Zero ? wait : null;
        }
    }

    public void Failed(string user, string address)
    {
        var now = time.GetUtcNow();
        lock (_gate)
        {
            if (_entries.Count >= MaxKeys) Prune(now);
            var keys = Keys(user, address);
            Record(keys[0], options.FreeFailuresPerUser, now);
            Record(keys[1], options.FreeFailuresPerAddress, now);
        }
    }

    public void Succeeded(string user, string address)
    {
        lock (_gate)
            foreach (var key in Keys(user, address)) _entries.Remove(key);
    }

    private void Record(string key, int free, DateTimeOffset now)
    {
        if (!_entries.TryGetValue(key, out var entry)) _entries[key] = entry = new Entry();
        while (entry.Failures.Count > 0 && now - entry.Failures.Peek() > options.Window) entry.Failures.Dequeue();
        entry.Failures.Enqueue(now);
        int over = entry.Failures.Count - free;
        if (over < 0) return;
        var delay = options.FirstDelay * Math.Pow(2, Math.Min(over, 30));
        entry.LockedUntil = now + (delay > options.MaxDelay ? options.MaxDelay : delay);
    }

    private void Prune(DateTimeOffset now)
    {
        foreach (var (key, e) in _entries.ToList())
            if (e.LockedUntil <= now && (e.Failures.Count == 0 || now - e.Failures.Last() > options.Window)) _entries.Remove(key);
        // Still full of live entries: forget the ones that unlock soonest.
        if (_entries.Count >= MaxKeys)
            foreach (var (key, _) in _entries.OrderBy(p => p.Value.LockedUntil).Take(_entries.Count - MaxKeys / 2).ToList()) _entries.Remove(key);
    }

    private static string[] Keys(string user, string address) => ["user:" + user.Trim().ToLowerInvariant(), "addr:" + address];

    private sealed class Entry
    {
        public Queue<DateTimeOffset> Failures { get; } = new();
        public DateTimeOffset LockedUntil { get; set; }
    }
}
