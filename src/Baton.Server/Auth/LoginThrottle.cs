namespace Baton.Server.Auth;

/// <summary>How hard repeated failed sign-ins are slowed.</summary>
public sealed record LoginThrottleOptions
{
    /// <summary>Failures are counted over this window.</summary>
    /// <value>The default is 15 minutes.</value>
    public TimeSpan Window { get; init; } = TimeSpan.FromMinutes(15);

    /// <summary>Failures for one user name within the window before sign-ins for it wait (from addresses that failed).</summary>
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
/// Slows password guessing with two counts of the failed sign-ins of the last
/// <see cref="LoginThrottleOptions.Window"/>, kept in <c>access.db</c> so a restart forgets nothing:
/// <list type="bullet">
/// <item>per client address, over every user name: past its free failures, every sign-in from
/// that address waits (even with a right password), the wait doubling with each further failure.
/// A success clears only the failures of the user who signed in, from that address: signing in
/// to one's own account between guesses at others does not buy more guesses.</item>
/// <item>per user name, over every address: past its free failures, sign-ins for that name wait,
/// but only from addresses that have failed within the window. Someone guessing a user's password
/// from elsewhere cannot lock that user out of an address that has not failed.</item>
/// </list>
/// So a guesser gets the address's free failures per address, and against one user at most the
/// user's free failures plus one per fresh address.
/// </summary>
internal sealed class LoginThrottle(AccessStore store, TimeProvider time, LoginThrottleOptions options)
{
    /// <summary>How long a sign-in for this user from this address must still wait; null when it may be tried now.</summary>
    public TimeSpan? RetryAfter(string user, string address)
    {
        var now = time.GetUtcNow();
        var since = now - options.Window;
        var counts = store.LoginFailures(Key(user), address, since);
        var wait = Wait(counts.FromAddress, counts.LastFromAddress, options.FreeFailuresPerAddress, now);
        if (counts.FromAddress > 0)
        {
            var userWait = Wait(counts.ForUser, counts.LastForUser, options.FreeFailuresPerUser, now);
            if (userWait > wait) wait = userWait;
        }
        return wait > TimeSpan.Zero ? wait : null;
    }

    public void Failed(string user, string address)
    {
        var now = time.GetUtcNow();
        store.AddLoginFailure(Key(user), address, now, now - options.Window);
    }

    public void Succeeded(string user, string address) => store.ClearLoginFailures(Key(user), address);

    /// <summary>The wait left after <paramref name="count"/> failures, the last at <paramref name="last"/>: none below the free ones, then the first delay doubling per failure, capped.</summary>
    private TimeSpan Wait(int count, DateTimeOffset? last, int free, DateTimeOffset now)
    {
        int over = count - free;
        if (over < 0 || last is not { } at) return TimeSpan.Zero;
        var delay = options.FirstDelay * Math.Pow(2, Math.Min(over, 30));
        var until = at + (delay > options.MaxDelay ? options.MaxDelay : delay);
        return until > now ? until - now : TimeSpan.Zero;
    }

    private static string Key(string user) => user.Trim().ToLowerInvariant();
}
