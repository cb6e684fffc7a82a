using System.Net;
using System.Net.Sockets;

namespace Baton.Deploy.Targets;

/// <summary>
/// Ports on 127.0.0.1 for host-mode containers. A port is only free until someone binds it, and
/// the container binds it seconds after Baton chose it: so Baton picks below the kernel's
/// ephemeral range (where every "bind to port 0" of another program lands), at random so two
/// Baton servers on one host rarely pick alike, and checks later that the container holds it
/// (<see cref="PortOwner"/>).
/// </summary>
internal static class HostPorts
{
    /// <summary>The range picked from: above the well-known and registered ports most servers use, below Linux's default ephemeral range (32768–60999).</summary>
    internal const int First = 20000, Last = 32767;
    private static readonly Lock Gate = new();
    private static readonly Queue<int> Recent = new();

    /// <summary>A port in [<see cref="First"/>, <see cref="Last"/>] that nothing listens on now, never one of the last few handed out.</summary>
    public static int Next()
    {
        lock (Gate)
        {
            for (int attempt = 0; attempt < 200; attempt++)
            {
                int port = Random.Shared.Next(First, Last + 1);
                if (Recent.Contains(port) || !Free(port)) continue;
                Recent.Enqueue(port);
                if (Recent.Count > 256) Recent.Dequeue();
                return port;
            }
            throw new InvalidOperationException($"No free port could be found on 127.0.0.1 between {First} and {Last}.");
        }
    }

    private static bool Free(int port)
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
