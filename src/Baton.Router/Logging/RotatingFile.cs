using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Baton.Router.Logging;

/// <summary>
/// An append-only file that is rotated by size: before a write would take it past the limit, it
/// becomes <c>FILE.1</c> (<c>FILE.1</c> becomes <c>FILE.2</c>, and so on; the oldest beyond the kept
/// number is deleted) and a new <c>FILE</c> starts. Created owner-only, as every file Baton makes.
/// Two router processes may append to the same file during a restart: the file is opened with
/// <c>O_APPEND</c>, so each batch lands whole at the end whoever writes; whichever process rotates
/// first does it, and the other, finding its file renamed, reopens the path instead of rotating again.
/// </summary>
internal sealed partial class RotatingFile : IDisposable
{
    private readonly string _path;
    private readonly long _maxBytes;
    private readonly int _keep;
    private SafeFileHandle? _file;

    public RotatingFile(string path, long maxBytes, int keep)
    {
        _path = Path.GetFullPath(path);
        _maxBytes = maxBytes;
        _keep = keep;
        _file = Open(_path);
    }

    /// <summary>Appends whole lines, rotating first when they would take the file past its limit.</summary>
    public void Write(ReadOnlySpan<byte> lines)
    {
        // After a failed rotation or open: try again with this batch.
        _file ??= Open(_path);
        // The file's own size (another process may append too), not a count of ours.
        long length = RandomAccess.GetLength(_file);
        if (length > 0 && length + lines.Length > _maxBytes) Rotate(length);
        // With O_APPEND the kernel writes at the end whatever offset is given.
        RandomAccess.Write(_file!, lines, fileOffset: length);
    }

    private void Rotate(long length)
    {
        _file!.Dispose();
        _file = null;
        // Renamed by another process already: the path is a new file (or none yet), to be appended to.
        var current = new FileInfo(_path);
        if (current.Exists && current.Length == length)
        {
            if (_keep == 0) File.Delete(_path);
            else
            {
                File.Delete($"{_path}.{_keep}");
                for (int i = _keep - 1; i >= 1; i--)
                    if (File.Exists($"{_path}.{i}")) File.Move($"{_path}.{i}", $"{_path}.{i + 1}", overwrite: true);
                File.Move(_path, $"{_path}.1", overwrite: true);
            }
        }
        _file = Open(_path);
    }

    public void Dispose() => _file?.Dispose();

    private const int WriteOnly = 0x1, Create = 0x40, Append = 0x400, CloseOnExec = 0x80000;
    private const int OwnerReadWrite = 0x180; // 0600
    private const int PermissionDenied = 13; // EACCES

    /// <summary>
    /// Opens (creating it owner-only if needed) for appending with <c>O_APPEND</c>, which .NET's
    /// <see cref="FileMode.Append"/> does not set (it seeks to the end once, so two writers overwrite each other).
    /// </summary>
    /// <exception cref="IOException">It cannot be opened.</exception>
    /// <exception cref="UnauthorizedAccessException">Its folder or the file refuses this user.</exception>
    public static SafeFileHandle Open(string path)
    {
        if (!OperatingSystem.IsLinux()) throw new PlatformNotSupportedException("The request log file needs Linux.");
        int fd = OpenFile(path, WriteOnly | Create | Append | CloseOnExec, OwnerReadWrite);
        if (fd < 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            var reason = Marshal.GetPInvokeErrorMessage(errno);
            if (errno == PermissionDenied) throw new UnauthorizedAccessException(reason);
            throw new IOException(reason);
        }
        return new SafeFileHandle(fd, ownsHandle: true);
    }

    [LibraryImport("libc", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int OpenFile(string path, int flags, int mode);
}
