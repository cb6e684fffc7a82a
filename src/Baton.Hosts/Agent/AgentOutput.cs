namespace Baton.Hosts.Agent;

/// <summary>
/// Standard output of the agent: whole lines, one writer at a time, and an empty line every
/// <see cref="HeartbeatInterval"/> while an operation runs. The heartbeat is how the agent learns that the client
/// went away (the write fails) during a wait or an event stream that would otherwise outlive it; clients skip
/// empty lines, and an event stream's client counts them as signs of life.
/// </summary>
internal sealed class AgentOutput(Stream output, TimeProvider time) : IDisposable
{
    public static readonly TimeSpan HeartbeatInterval = TimeSpan.FromSeconds(15);

    private readonly SemaphoreSlim gate = new(1, 1);
    private readonly CancellationTokenSource gone = new();

    /// <summary>Cancelled once a write fails: nobody reads the answer any more.</summary>
    public CancellationToken ClientGone => gone.Token;

    /// <summary>Writes one line; false when the client is gone.</summary>
    public async Task<bool> WriteAsync(byte[] line)
    {
        await gate.WaitAsync().ConfigureAwait(false);
        try
        {
            if (gone.IsCancellationRequested) return false;
            await output.WriteAsync(line).ConfigureAwait(false);
            await output.FlushAsync().ConfigureAwait(false);
            return true;
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException)
        {
            await gone.CancelAsync().ConfigureAwait(false);
            return false;
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>Writes empty lines until <paramref name="ct"/> is cancelled or the client is gone.</summary>
    public async Task HeartbeatAsync(CancellationToken ct)
    {
        try
        {
            while (true)
            {
                await Task.Delay(HeartbeatInterval, time, ct).ConfigureAwait(false);
                if (!await WriteAsync("\n"u8.ToArray()).ConfigureAwait(false)) return;
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    public void Dispose()
    {
        gate.Dispose();
        gone.Dispose();
    }
}
