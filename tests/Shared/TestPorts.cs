using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Baton.Testing;

/// <summary>
/// Ports for the servers a test starts, chosen so that nothing else can take one between the moment it is
/// handed out and the moment the server binds it.
/// </summary>
/// <remarks>
/// A port from a bind to port 0 is in the kernel's ephemeral range, the same range the kernel gives every
/// outgoing connection (Chromium, the HTTP clients, SSH) and Docker gives the host ports it publishes; a
/// suite run saw <c>baton server</c> refuse its admin port as already in use. These ports come from a range
/// nothing else picks from, and each is held by an exclusive lock on a file named after it for as long as the
/// test process lives, so tests in this process and in any other test process never get the same one.
/// </remarks>
internal static class TestPorts
{
    private static readonly Lock Gate = new();
    private static readonly List<FileStream> Held = [];
    private static readonly string LockDirectory = Path.Combine(Path.GetTempPath(), "baton-test-ports");

    /// <summary>
    /// Below Baton's own picks for host-mode containers (20000–32767, <c>HostPorts</c>) and the kernel's ephemeral
    /// range (32768–60999 by default), above the well-known ports of the servers tests run (the registry on 5000).
    /// </summary>
    private static readonly (int First, int Last) Range = (10000, 19999);

    /// <summary>A port on 127.0.0.1 that is free now and that no other test will be given.</summary>
    public static int Next()
    {
        lock (Gate)
        {
            Directory.CreateDirectory(LockDirectory);
            for (var attempt = 0; attempt < 2000; attempt++)
            {
                var port = Random.Shared.Next(Range.First, Range.Last + 1);
                var held = TryLock(port);
                if (held is null) continue;
                if (IsFree(port))
                {
                    Held.Add(held);
                    return port;
                }
                held.Dispose();
            }
            throw new InvalidOperationException($"No free port between {Range.First} and {Range.Last} after 2000 tries.");
        }
    }

    private static FileStream? TryLock(int port)
    {
        try
        {
            // FileShare.None takes an exclusive advisory lock (flock) on Linux; the kernel drops it when the process ends.
            return new FileStream(Path.Combine(LockDirectory, port.ToString(CultureInfo.InvariantCulture)), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException)
        {
            return null;
        }
    }

    private static bool IsFree(int port)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            socket.Bind(new IPEndPoint(IPAddress.Loopback, port));
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
