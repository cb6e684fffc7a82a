namespace Baton.Router.Forwarding;

/// <summary>
/// Sends a small request body of known length in the same write as the request head.
/// </summary>
/// <remarks>
/// YARP's request content flushes the head to the target before it copies the body, so every
/// POST cost one more send than the hand-made forwarder before it (3.0 against 2.0
/// <c>sendto</c> per request under <c>strace -c</c>, and about a fifth of post-1k's
/// throughput). YARP refuses a transformer that replaces its content, so the replacement
/// happens here, below YARP: the content is wrapped so that a flush before any body byte is
/// written is skipped. The handler's own flush at the end of the body still sends both.
/// Only for a known length of at most <see cref="MaxBodyLength"/> bytes without
/// <c>Expect: 100-continue</c> (where the handler itself sends the head first and waits):
/// a longer or streamed body keeps YARP's early head, which lets a target answer from the
/// head (401, 413) while a slow upload is still arriving.
/// </remarks>
internal sealed class HeadWithBodyHandler(HttpMessageHandler inner) : DelegatingHandler(inner)
{
    public const long MaxBodyLength = 64 * 1024;

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (request.Content is { Headers.ContentLength: > 0 and <= MaxBodyLength } content && request.Headers.ExpectContinue != true)
            request.Content = new HeadWithBodyContent(content);
        return base.SendAsync(request, cancellationToken);
    }

    private sealed class HeadWithBodyContent : HttpContent
    {
        private readonly HttpContent _inner;

        public HeadWithBodyContent(HttpContent inner)
        {
            _inner = inner;
            // As the transformer set them, unparsed; the length as the number it is (enumerated, it would be formatted
            // into a string for the handler to parse again).
            foreach (var header in inner.Headers.NonValidated)
            {
                if (header.Key.Equals("Content-Length", StringComparison.OrdinalIgnoreCase)) continue;
                if (header.Value.Count == 1) Headers.TryAddWithoutValidation(header.Key, header.Value.ToString());
                else Headers.TryAddWithoutValidation(header.Key, header.Value);
            }
            Headers.ContentLength = inner.Headers.ContentLength;
        }

        protected override Task SerializeToStreamAsync(Stream stream, System.Net.TransportContext? context) =>
            SerializeToStreamAsync(stream, context, CancellationToken.None);

        protected override Task SerializeToStreamAsync(Stream stream, System.Net.TransportContext? context, CancellationToken cancellationToken) =>
            _inner.CopyToAsync(new FirstFlushSkipped(stream), context, cancellationToken);

        // The length is in Content-Length, copied from the inner content's headers.
        protected override bool TryComputeLength(out long length)
        {
            length = -1;
            return false;
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing) _inner.Dispose();
            base.Dispose(disposing);
        }
    }

    /// <summary>A write-only view of the connection's body stream that skips flushes until a byte has been written.</summary>
    private sealed class FirstFlushSkipped(Stream inner) : Stream
    {
        private bool _written;

        public override Task FlushAsync(CancellationToken cancellationToken) =>
            _written ? inner.FlushAsync(cancellationToken) : Task.CompletedTask;

        public override void Flush()
        {
            if (_written) inner.Flush();
        }

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            _written = true;
            return inner.WriteAsync(buffer, cancellationToken);
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override void Write(byte[] buffer, int offset, int count)
        {
            _written = true;
            inner.Write(buffer, offset, count);
        }

        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
