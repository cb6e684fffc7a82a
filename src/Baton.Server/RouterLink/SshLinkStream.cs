using Baton.Hosts;

namespace Baton.Server.RouterLink;

/// <summary>
/// One SSH exec channel to <c>baton router link</c> as one duplex stream, for
/// <see cref="RemoteRouter"/>'s HTTP: writes go to the program's standard input, reads come from
/// its standard output. A channel that ends before any answer (no router listens there, or the
/// forced command is not Baton's) is an <see cref="IOException"/> carrying the program's own sentence.
/// </summary>
internal sealed class SshLinkStream(IHostChannel channel, string who) : Stream
{
    private static readonly TimeSpan ErrorPatience = TimeSpan.FromSeconds(2);
    private bool _answered;

    public override bool CanRead => true;
    public override bool CanWrite => true;
    public override bool CanSeek => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count)
    {
        int read = channel.Output.Read(buffer, offset, count);
        if (read > 0)
        {
            _answered = true;
            return read;
        }
        if (!_answered) throw new IOException(EndedWithoutAnswer());
        return 0;
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        int read = await channel.Output.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        if (read > 0)
        {
            _answered = true;
            return read;
        }
        if (!_answered) throw new IOException(EndedWithoutAnswer());
        return 0;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    /// <summary>Why the channel ended with nothing: the program's standard error, when it said something in time.</summary>
    private string EndedWithoutAnswer()
    {
        string said = "";
        try
        {
            var done = channel.CompletionAsync(CancellationToken.None);
            if (done.Wait(ErrorPatience)) said = done.Result.Error.Trim().Split('\n')[0].Trim();
        }
        catch (AggregateException)
        {
            // The connection itself went: nothing more to say than that it ended.
        }
        return said.Length > 0 ? $"{who} ended the link: {said.TrimEnd('.')}" : $"{who} ended the link without an answer";
    }

    public override void Write(byte[] buffer, int offset, int count)
    {
        channel.Input.Write(buffer, offset, count);
        channel.Input.Flush();
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        await channel.Input.WriteAsync(buffer, cancellationToken).ConfigureAwait(false);
        await channel.Input.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Flush() => channel.Input.Flush();

    public override Task FlushAsync(CancellationToken cancellationToken) => channel.Input.FlushAsync(cancellationToken);

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing) channel.DisposeAsync().AsTask().GetAwaiter().GetResult();
        base.Dispose(disposing);
    }
}
