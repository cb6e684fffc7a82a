using System.Collections.Concurrent;

namespace Baton.Router.Forwarding;

/// <summary>
/// How long a target may take to answer: from the moment the request (its last body byte) went
/// out until the response head arrives. It is not YARP's <c>ActivityTimeout</c>, which also runs
/// while the response body streams and would cut an event stream that stays quiet longer than
/// the timeout; once the head is in, the body may take as long as it takes.
/// </summary>
internal sealed class ResponseDeadline : IDisposable
{
    private readonly CancellationTokenSource _source;
    private readonly TimeSpan _timeout;
    private readonly TimeProvider _time;
    private volatile bool _answered;
    private long _armedAt;

    /// <summary>
    /// A piece of the request body within this long of the last (re)start does not restart the wait: a timer
    /// change per read would cost every small body two, for a difference no target could notice.
    /// </summary>
    private static readonly TimeSpan ProgressGranularity = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// Sources of finished requests whose deadline never passed, reset for the next: a source and the timer and
    /// registration list it makes when first armed were three objects and a timer created and destroyed per request.
    /// </summary>
    private static readonly ConcurrentQueue<CancellationTokenSource> Kept = new();
    private static int _kept;

    /// <summary>More requests in flight at once than this make their own sources, dropped at their end.</summary>
    private const int MaxKept = 1024;

    public ResponseDeadline(TimeSpan timeout, TimeProvider time)
    {
        _timeout = timeout;
        _time = time;
        // The system clock's source needs no timer until it is armed (a fake clock's is made with it, and not kept).
        _source = Pooled ? Take() : new CancellationTokenSource(System.Threading.Timeout.InfiniteTimeSpan, time);
    }

    /// <summary>On the system clock the source comes from <see cref="Kept"/> and goes back to it; a fake clock's is its own.</summary>
    private bool Pooled => ReferenceEquals(_time, TimeProvider.System);

    private static CancellationTokenSource Take()
    {
        if (!Kept.TryDequeue(out var source)) return new CancellationTokenSource();
        Interlocked.Decrement(ref _kept);
        return source;
    }

    /// <summary>Keeps a source that never fired (<see cref="CancellationTokenSource.TryReset"/> stops its timer and drops its registrations).</summary>
    private static bool TryKeep(CancellationTokenSource source)
    {
        if (!source.TryReset()) return false;
        if (Interlocked.Increment(ref _kept) > MaxKept)
        {
            Interlocked.Decrement(ref _kept);
            return false;
        }
        Kept.Enqueue(source);
        return true;
    }

    public CancellationToken Token => _source.Token;

    public TimeSpan Timeout => _timeout;

    /// <summary>True once the target let the timeout pass without answering.</summary>
    public bool Expired => _source.IsCancellationRequested;

    /// <summary>Starts (or restarts) the wait: at each attempt and each time a piece of the request body goes out.</summary>
    public void Arm()
    {
        if (_answered) return;
        Volatile.Write(ref _armedAt, _time.GetTimestamp());
        _source.CancelAfter(_timeout);
    }

    /// <summary>A piece of the request body went out: the wait restarts, unless it did less than <see cref="ProgressGranularity"/> ago.</summary>
    private void Progress()
    {
        if (!Expired && _time.GetElapsedTime(Volatile.Read(ref _armedAt)) >= ProgressGranularity) Arm();
    }

    /// <summary>The response head arrived: the body is not timed.</summary>
    public void Disarm()
    {
        _answered = true;
        _source.CancelAfter(System.Threading.Timeout.InfiniteTimeSpan);
    }

    /// <summary>The client's request body, restarting the wait as each piece is read, so an upload that takes long is not taken for a silent target.</summary>
    public Stream Watch(Stream body) => new WatchedBody(body, this);

    /// <summary>The request is over: nothing arms this deadline again, and its source goes to the next request when it can.</summary>
    public void Dispose()
    {
        _answered = true;
        if (Pooled && TryKeep(_source)) return;
        _source.Dispose();
    }

    private sealed class WatchedBody(Stream inner, ResponseDeadline deadline) : ReadOnlyStream
    {
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            var read = inner.ReadAsync(buffer, cancellationToken);
            // A zero-byte read (YARP's wait for data) brings nothing: no progress to count.
            if (buffer.IsEmpty) return read;
            if (!read.IsCompletedSuccessfully) return ProgressAfterAsync(read);
            deadline.Progress();
            return read;
        }

        private async ValueTask<int> ProgressAfterAsync(ValueTask<int> pending)
        {
            int read = await pending.ConfigureAwait(false);
            deadline.Progress();
            return read;
        }
    }
}
