using System.Net.Sockets;

namespace Baton.Server.Supervision;

/// <summary>
/// Tells systemd how the service stands (<c>sd_notify</c>): <c>READY=1</c> once the router and the
/// controller serve, so a <c>Type=notify</c> unit counts as started only then, and <c>STOPPING=1</c>
/// when it drains. One datagram to <c>NOTIFY_SOCKET</c>; nothing when that is not set.
/// </summary>
/// <remarks>
/// Microsoft.Extensions.Hosting.Systemd's notifier does the same, but comes with the generic host's
/// package set for these few lines, and the supervisor runs no generic host.
/// </remarks>
public static class SystemdNotify
{
    /// <summary>Where systemd listens, set for a <c>Type=notify</c> service.</summary>
    public const string Variable = "NOTIFY_SOCKET";

    public static void Ready() => Send("READY=1");

    public static void Stopping() => Send("STOPPING=1");

    /// <summary>Sends <paramref name="state"/>; a socket that cannot be reached is not an error (systemd itself may be going away).</summary>
    public static void Send(string state)
    {
        var path = Environment.GetEnvironmentVariable(Variable);
        if (string.IsNullOrEmpty(path) || !(path[0] == '/' || path[0] == '@')) return;
        // '@' names an abstract socket, written with a leading NUL.
        if (path[0] == '@') path = "\0" + path[1..];
        try
        {
            using var socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
            socket.Connect(new UnixDomainSocketEndPoint(path));
            socket.Send(System.Text.Encoding.UTF8.GetBytes(state));
        }
        catch (SocketException)
        {
        }
    }
}
