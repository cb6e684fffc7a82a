using System.Net;
using Baton.Router.Forwarding;

namespace Baton.Router.Tests.Forwarding;

/// <summary>
/// The handler below YARP that keeps a small body's head and body in one send: the flush YARP's
/// content makes before the body is skipped only where that is safe.
/// </summary>
public sealed class HeadWithBodyHandlerTests
{
    [Fact]
    public async Task SmallBodyOfKnownLength_TheFlushBeforeTheBodyIsSkipped_TheBodyAndItsHeadersArriveWhole()
    {
        var (operations, body, length) = await SendAsync(bodyLength: 1024);

        Assert.Equal(["write 1024"], operations);
        Assert.Equal(1024, body);
        Assert.Equal(1024, length);
    }

    [Fact]
    public async Task FlushesAfterTheFirstWrite_GoThrough()
    {
        var (operations, _, _) = await SendAsync(bodyLength: 10, flushAfterBody: true);

        Assert.Equal(["write 10", "flush"], operations);
    }

    [Theory]
    [InlineData(HeadWithBodyHandler.MaxBodyLength + 1, false, true)] // a long body: the head goes first, as YARP sends it
    [InlineData(10, true, true)]                                     // Expect: 100-continue: the head must go alone
    [InlineData(10, false, false)]                                   // no Content-Length (chunked): streamed as YARP sends it
    public async Task OtherBodies_KeepYarpsEarlyHead(long bodyLength, bool expectContinue, bool knownLength)
    {
        var (operations, _, _) = await SendAsync(bodyLength, expectContinue: expectContinue, knownLength: knownLength);

        Assert.Equal(["flush", $"write {bodyLength}"], operations);
    }

    private static async Task<(List<string> Operations, long BodyBytes, long? ContentLength)> SendAsync(
        long bodyLength, bool expectContinue = false, bool knownLength = true, bool flushAfterBody = false)
    {
        var connection = new RecordingStream();
        var wire = new WireHandler(connection);
        using var invoker = new HttpMessageInvoker(new HeadWithBodyHandler(wire));
        using var request = new HttpRequestMessage(HttpMethod.Post, "http://target.test/post")
        {
            Content = new YarpLikeContent(bodyLength, flushAfterBody),
        };
        if (knownLength) request.Content.Headers.ContentLength = bodyLength;
        if (expectContinue) request.Headers.ExpectContinue = true;

        using var response = await invoker.SendAsync(request, CancellationToken.None);

        return (connection.Operations, connection.Written, wire.ContentLength);
    }

    /// <summary>Stands for the connection: serializes the request content onto the stream, as SocketsHttpHandler does.</summary>
    private sealed class WireHandler(Stream connection) : HttpMessageHandler
    {
        public long? ContentLength { get; private set; }

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            ContentLength = request.Content!.Headers.ContentLength;
            await request.Content.CopyToAsync(connection, cancellationToken);
            return new HttpResponseMessage(HttpStatusCode.OK);
        }
    }

    /// <summary>Does what YARP's request content does: flush (the head), then copy the body.</summary>
    private sealed class YarpLikeContent(long length, bool flushAfterBody) : HttpContent
    {
        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
        {
            await stream.FlushAsync(cancellationToken);
            await stream.WriteAsync(new byte[length], cancellationToken);
            if (flushAfterBody) await stream.FlushAsync(cancellationToken);
        }

        protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
            SerializeToStreamAsync(stream, context, CancellationToken.None);

        protected override bool TryComputeLength(out long length)
        {
            length = -1;
            return false;
        }
    }

    private sealed class RecordingStream : Stream
    {
        public List<string> Operations { get; } = [];
        public long Written { get; private set; }

        public override Task FlushAsync(CancellationToken cancellationToken)
        {
            Operations.Add("flush");
            return Task.CompletedTask;
        }

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            Operations.Add($"write {buffer.Length}");
            Written += buffer.Length;
            return ValueTask.CompletedTask;
        }

        public override void Flush() => Operations.Add("flush");
        public override void Write(byte[] buffer, int offset, int count) => WriteAsync(buffer.AsMemory(offset, count)).AsTask().Wait();
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
