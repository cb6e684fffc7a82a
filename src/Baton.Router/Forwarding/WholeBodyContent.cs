using System.Net;

namespace Baton.Router.Forwarding;

/// <summary>
/// A target's response body of known length (up to the transformer's long-lived limit, 1 MiB):
/// each read fills YARP's 64 KiB copy buffer as far as the body goes, so YARP writes it to the
/// client in whole buffers: one write for a body up to 64 KiB, two for 100 KB. Without it, YARP
/// writes each piece the target's connection happens to deliver (the rest of the first 4 KiB the
/// handler read with the headers, then what each socket read returns), and Kestrel flushes each
/// write: two sends to the client for one 10 KB answer, three for 100 KB. The forwarder before
/// YARP also flushed a body of known length every 64 KiB. A body with no length, or a longer
/// one, streams piece by piece (events, downloads).
/// </summary>
internal sealed class WholeBodyContent(HttpContent inner, long length) : HttpContent
{
    /// <remarks>
    /// The inner content is the handler's answer, whose stream is the connection's and is given at once:
    /// taken without a task of its own (its asynchronous form made one more task per request, and this method a state machine).
    /// </remarks>
    protected override Task<Stream> CreateContentReadStreamAsync(CancellationToken cancellationToken) =>
        Task.FromResult<Stream>(new FillingStream(inner.ReadAsStream(cancellationToken)));

    protected override Task<Stream> CreateContentReadStreamAsync() => CreateContentReadStreamAsync(CancellationToken.None);

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) => inner.CopyToAsync(stream, context);

    protected override bool TryComputeLength(out long computed)
    {
        computed = length;
        return true;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) inner.Dispose();
        base.Dispose(disposing);
    }

    private sealed class FillingStream(Stream inner) : ReadOnlyStream
    {
        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            // YARP's zero-byte read (wait for data before renting a buffer) passes straight through.
            if (buffer.IsEmpty) return await inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
            int total = 0;
            while (total < buffer.Length)
            {
                int read = await inner.ReadAsync(buffer[total..], cancellationToken).ConfigureAwait(false);
                if (read == 0) break;
                total += read;
            }
            return total;
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing) inner.Dispose();
            base.Dispose(disposing);
        }
    }
}
