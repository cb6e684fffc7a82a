using System.Net;

namespace Baton.Router.Forwarding;

/// <summary>
/// A target's response body that may outlive a drain (a stream of events, a large download):
/// at the target's drain deadline it simply ends, so the client gets a complete chunked answer
/// (or, for a body of known length, a cut connection) rather than waiting on a stopped target.
/// </summary>
internal sealed class DrainingContent(HttpContent inner, CancellationToken deadline) : HttpContent
{
    protected override async Task<Stream> CreateContentReadStreamAsync(CancellationToken cancellationToken) =>
        new DrainingStream(await inner.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false), deadline);

    protected override Task<Stream> CreateContentReadStreamAsync() => CreateContentReadStreamAsync(CancellationToken.None);

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) => inner.CopyToAsync(stream, context);

    protected override bool TryComputeLength(out long length)
    {
        length = 0;
        return false;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) inner.Dispose();
        base.Dispose(disposing);
    }

    private sealed class DrainingStream : ReadOnlyStream
    {
        private readonly Stream _inner;
        private readonly CancellationToken _deadline;
        private readonly CancellationTokenRegistration _registration;

        public DrainingStream(Stream inner, CancellationToken deadline)
        {
            _inner = inner;
            _deadline = deadline;
            // Disposing the target's stream ends a read that is waiting on it; the read then reports the end.
            _registration = deadline.UnsafeRegister(static s => ((Stream)s!).Dispose(), inner);
        }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (_deadline.IsCancellationRequested) return 0;
            try
            {
                return await _inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (_deadline.IsCancellationRequested && e is IOException or ObjectDisposedException or HttpRequestException or OperationCanceledException)
            {
                return 0;
            }
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _registration.Dispose();
                _inner.Dispose();
            }
            base.Dispose(disposing);
        }
    }
}
