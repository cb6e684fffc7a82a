namespace Baton.Hosts.Agent;

/// <summary>
/// Host paths a bind mount may name: plain absolute paths under a folder the host's config allows, with no
/// symbolic link below that folder (the engine follows links when it mounts, so a link a container made inside
/// an allowed folder could otherwise point the next container at <c>/</c>).
/// </summary>
internal static class HostPaths
{
    /// <summary>Absolute, no empty, <c>.</c> or <c>..</c> segment, no trailing slash (except <c>/</c> itself).</summary>
    public static bool IsNormal(string path) =>
        path.StartsWith('/') && (path == "/" || path[1..].Split('/').All(s => s.Length > 0 && s != "." && s != ".."))
        && !path.Any(char.IsControl);

    /// <summary>The allowed folder <paramref name="path"/> is in (itself or below it, on a segment boundary), or null.</summary>
    public static string? AllowedFolder(string path, IReadOnlyList<string> folders) =>
        folders.FirstOrDefault(f => path == f || path.StartsWith(f + "/", StringComparison.Ordinal));

    /// <summary>The first existing path below <paramref name="folder"/> on the way to <paramref name="path"/> that is a symbolic link, or null.</summary>
    public static string? LinkBelow(string folder, string path)
    {
        var current = folder;
        foreach (var segment in path[folder.Length..].Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            current += "/" + segment;
            FileSystemInfo info = new FileInfo(current);
            if (!info.Exists)
            {
                info = new DirectoryInfo(current);
                // Neither a file nor a folder: the rest does not exist yet, and the engine creates it as folders.
                if (!info.Exists && info.LinkTarget is null) return null;
            }
            if (info.LinkTarget is not null) return current;
        }
        return null;
    }
}
