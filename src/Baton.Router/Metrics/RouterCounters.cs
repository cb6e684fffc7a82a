namespace Baton.Router.Metrics;

/// <summary>Requests that never reached a target, counted router-wide.</summary>
public sealed class RouterCounters
{
    private long _noRoute;
    private long _noTarget;
    private long _pauseExpired;

    public long NoRoute => Volatile.Read(ref _noRoute);
    public long NoTarget => Volatile.Read(ref _noTarget);
    public long PauseExpired => Volatile.Read(ref _pauseExpired);

    public void RecordNoRoute() => Interlocked.Increment(ref _noRoute);
    public void RecordNoTarget() => Interlocked.Increment(ref _noTarget);
    public void RecordPauseExpired() => Interlocked.Increment(ref _pauseExpired);
}
