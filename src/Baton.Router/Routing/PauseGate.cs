namespace Baton.Router.Routing;

/// <summary>
/// Holds a paused service's new requests until <see cref="Release"/> or until each request
/// has waited <see cref="MaxHold"/>, after which it is answered 503.
/// </summary>
public sealed class PauseGate(TimeSpan maxHold, DateTimeOffset since)
{
    private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public TimeSpan MaxHold { get; } = maxHold;
    public DateTimeOffset Since { get; } = since;

    /// <returns>True when released in time, false when the hold ran out.</returns>
    public async Task<bool> WaitAsync(TimeProvider time, CancellationToken cancellationToken)
    {
        try
        {
            await _released.Task.WaitAsync(MaxHold, time, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
    }

    public void Release() => _released.TrySetResult();
}
