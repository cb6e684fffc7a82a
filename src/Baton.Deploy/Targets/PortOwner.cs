using System.Globalization;

namespace Baton.Deploy.Targets;

/// <summary>Who listens on a TCP port of this host, as Linux's /proc tells it.</summary>
internal enum PortHolder
{
    /// <summary>A process of the container listens on it.</summary>
    Container,
    /// <summary>Something listens on it, and no process of the container does.</summary>
    Other,
    /// <summary>Nothing listens on it, or /proc could not say (another OS, no permission): no verdict.</summary>
    Unknown,
}

/// <summary>
/// Checks that a host-mode port is held by the container it was given to, not by a process that
/// took it between Baton's choice and the container's bind (that process would answer the health
/// checks for a release that may never work).
/// </summary>
internal static class PortOwner
{
    private const string ListenState = "0A";

    /// <param name="containerPid">The container's first process on this host (the engine's State.Pid); its descendants count too.</param>
    public static PortHolder Check(int port, int containerPid)
    {
        try
        {
            var inodes = ListeningInodes(port);
            if (inodes.Count == 0) return PortHolder.Unknown;
            if (containerPid <= 0) return PortHolder.Other; // the container is not running, yet someone answers on its port
            foreach (var pid in WithDescendants(containerPid))
                if (HoldsAny(pid, inodes)) return PortHolder.Container;
            return PortHolder.Other;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return PortHolder.Unknown;
        }
    }

    /// <summary>The socket inodes listening on <paramref name="port"/> on any address, v4 or v6.</summary>
    internal static HashSet<string> ListeningInodes(int port)
    {
        var found = new HashSet<string>(StringComparer.Ordinal);
        var hex = port.ToString("X4", CultureInfo.InvariantCulture);
        foreach (var table in new[] { "/proc/net/tcp", "/proc/net/tcp6" })
        {
            if (!File.Exists(table)) continue;
            foreach (var line in File.ReadLines(table).Skip(1))
            {
                // sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode
                var f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (f.Length < 10 || f[3] != ListenState) continue;
                var local = f[1];
                if (local.EndsWith(":" + hex, StringComparison.Ordinal)) found.Add(f[9]);
            }
        }
        return found;
    }

    private static IEnumerable<int> WithDescendants(int root)
    {
        var seen = new HashSet<int>();
        var queue = new Queue<int>([root]);
        // Bounded: a container with more than a thousand processes is not what this check is for.
        while (queue.Count > 0 && seen.Count < 1000)
        {
            var pid = queue.Dequeue();
            if (!seen.Add(pid)) continue;
            yield return pid;
            var tasks = $"/proc/{pid}/task";
            if (!Directory.Exists(tasks)) continue;
            foreach (var task in Directory.EnumerateDirectories(tasks))
            {
                var children = Path.Combine(task, "children");
                if (!File.Exists(children)) continue;
                foreach (var child in File.ReadAllText(children).Split(' ', StringSplitOptions.RemoveEmptyEntries))
                    if (int.TryParse(child, NumberStyles.None, CultureInfo.InvariantCulture, out var c)) queue.Enqueue(c);
            }
        }
    }

    private static bool HoldsAny(int pid, HashSet<string> inodes)
    {
        var fds = $"/proc/{pid}/fd";
        if (!Directory.Exists(fds)) return false;
        foreach (var fd in Directory.EnumerateFileSystemEntries(fds))
        {
            var link = new FileInfo(fd).LinkTarget;
            // "socket:[12345]"
            if (link is { Length: > 9 } && link.StartsWith("socket:[", StringComparison.Ordinal) && inodes.Contains(link[8..^1])) return true;
        }
        return false;
    }
}
