namespace Baton.Deploy.Store;

/// <summary>
/// Files in the data directory are its owner's only (mode 600): the database holds service
/// definitions and history, <c>access.db</c> password and token hashes, <c>secrets.key</c> the key
/// to the definitions. Written so from the start, and any looser one found is tightened.
/// </summary>
public static class PrivateFiles
{
    public const UnixFileMode Mode = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>Writes a file that only its owner may read, replacing any old one.</summary>
    public static void Write(string path, ReadOnlySpan<byte> content)
    {
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = Mode;
        using (var stream = new FileStream(path, options))
        {
            stream.Write(content);
            stream.Flush(flushToDisk: true);
        }
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(path, Mode);
    }

    /// <summary>Creates an empty file of mode 600 unless it exists (SQLite then gives its -wal and -shm files the same mode).</summary>
    public static void Create(string path)
    {
        if (OperatingSystem.IsWindows() || File.Exists(path)) return;
        using var _ = new FileStream(path, new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, UnixCreateMode = Mode });
    }

    /// <summary>
    /// Sets every file directly in <paramref name="directory"/> that its group or others may use
    /// to mode 600; returns the ones changed with their old mode, for a warning.
    /// </summary>
    public static IReadOnlyList<(string File, UnixFileMode Was)> Tighten(string directory)
    {
        if (OperatingSystem.IsWindows() || !Directory.Exists(directory)) return [];
        const UnixFileMode others = UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute
            | UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;
        var changed = new List<(string, UnixFileMode)>();
        foreach (var file in Directory.EnumerateFiles(directory))
        {
            if (new FileInfo(file).LinkTarget is not null) continue; // a link's mode is its target's, maybe not Baton's
            var mode = File.GetUnixFileMode(file);
            if ((mode & others) == 0) continue;
            File.SetUnixFileMode(file, mode & ~others);
            changed.Add((file, mode));
        }
        return changed;
    }
}
