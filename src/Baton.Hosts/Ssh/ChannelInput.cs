namespace Baton.Hosts.Ssh;

/// <summary>
/// The program's standard input. SSH.NET's channel input stream sends EOF on dispose only when
/// something was written through it, so a program whose input is closed empty would wait for
/// ever; closed empty, this writes one empty line first (which a line protocol skips as nothing).
/// </summary>
internal sealed class ChannelInput(Stream inner) : Stream
{
    private bool _written;

    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => inner.CanWrite;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override void Write(byte[] buffer, int offset, int count)
    {
        inner.Write(buffer, offset, count);
        _written |= count > 0;
    }

    public override void Flush() => inner.Flush();

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            try
            {
                if (!_written && inner.CanWrite) inner.Write("\n"u8);
            }
            catch (Exception e) when (e is IOException or ObjectDisposedException or Renci.SshNet.Common.SshException)
            {
                // The channel is gone already: there is nothing left to end.
            }
            inner.Dispose();
        }
        base.Dispose(disposing);
    }
}
