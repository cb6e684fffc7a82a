using System.Net;
using System.Net.Sockets;

namespace Baton.Deploy;

/// <summary>Free TCP ports on 127.0.0.1 for host-mode containers.</summary>
internal static class FreePorts
{
    private static readonly Lock Gate = new();
    private static readonly Queue<int> Recent = new();

    /// <summary>Asks the kernel for a free port, never handing out one of the last few again.</summary>
    public static int Next()
    {
        lock (Gate)
        {
            for (int attempt = 0; attempt < 20; attempt++)
            {
                using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
                int port = ((IPEndPoint)socket.LocalEndPoint!).Port;
                if (Recent.Contains(port)) continue;
                Recent.Enqueue(port);
                if (Recent.Count > 64) Recent.Dequeue();
                return port;
            }
            throw new InvalidOperationException("No free port could be found on 127.0.0.1.");
        }
    }
}
