using System.Buffers;
using System.Net;

namespace Baton.Router.Forwarding;

/// <summary>
/// Streams the client's request body to the target as it arrives, never buffering it whole.
/// Knows whether reading began, which decides if a failed attempt may be retried.
/// </summary>
internal sealed class StreamingRequestContent(Stream source, long? length) : HttpContent
{
    private int _started;

    public bool Started => Volatile.Read(ref _started) != 0;

    /// <summary>Set when the failure came from reading the client, not from writing to the target.</summary>
    public bool ClientFailed { get; private set; }

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
        SerializeToStreamAsync(stream, context, CancellationToken.None);

    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
    {
        Volatile.Write(ref _started, 1);
        var buffer = ArrayPool<byte>.Shared.Rent(16 * 1024);
        try
        {
            while (true)
            {
                int read;
                try
                {
                    read = await source.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
                }
                catch
                {
                    ClientFailed = true;
                    throw;
                }
                if (read == 0) break;
                await stream.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
                // Unknown length (chunked, HTTP/2 streams) may be a long-lived stream: pass each piece on.
                if (length is null) await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    protected override bool TryComputeLength(out long length)
    {
        length = 0;
        return false;
    }
}
