namespace Baton.Server;

/// <summary>
/// One server per data directory: an exclusive lock (flock, which .NET takes for
/// <see cref="FileShare.None"/> on Unix) on <c>&lt;data&gt;/baton.lock</c>, held for the server's life
/// and released by the kernel when the process ends, however it ends. The holder's PID is written
/// beside it in <c>baton.pid</c> (a file nobody locks, so a second server can read it) to name it
/// in the refusal. <see cref="BatonServer"/> takes it before anything else in the directory.
/// </summary>
public sealed class DataDirectoryLock : IDisposable
{
    public const string LockFileName = "baton.lock";
    public const string PidFileName = "baton.pid";

    private readonly FileStream _lock;

    private DataDirectoryLock(FileStream held) => _lock = held;

    /// <summary>
    /// Takes the lock, or returns null with one sentence naming the holder. Taken right after the
    /// data directory is made, before any store opens or any recovery runs; released last.
    /// </summary>
    public static DataDirectoryLock? TryAcquire(string dataDirectory, out string error)
    {
        var path = Path.Combine(dataDirectory, LockFileName);
        var options = new FileStreamOptions { Mode = FileMode.OpenOrCreate, Access = FileAccess.ReadWrite, Share = FileShare.None };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        FileStream held;
        try
        {
            held = new FileStream(path, options);
        }
        catch (IOException)
        {
            var pid = File.Exists(Path.Combine(dataDirectory, PidFileName)) ? File.ReadAllText(Path.Combine(dataDirectory, PidFileName)).Trim() : "";
            var who = pid.Length is > 0 and < 12 && pid.All(char.IsAsciiDigit) ? $"PID {pid}" : "another process";
            error = $"Another baton server ({who}) is using the data directory {dataDirectory}; stop it first, or start this one with another --data.";
            return null;
        }
        Baton.Deploy.Store.PrivateFiles.Write(Path.Combine(dataDirectory, PidFileName), System.Text.Encoding.ASCII.GetBytes($"{Environment.ProcessId}\n"));
        error = "";
        return new DataDirectoryLock(held);
    }

    public void Dispose() => _lock.Dispose();
}
