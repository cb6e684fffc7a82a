using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Baton.Server.Supervision;

/// <summary>
/// Listening sockets passed by systemd's socket activation (<c>LISTEN_PID</c>, <c>LISTEN_FDS</c>,
/// <c>LISTEN_FDNAMES</c>; descriptors from 3 on), each named by its socket unit's
/// <c>FileDescriptorName=</c> after the listener it stands for: <c>public</c>, <c>staging</c>,
/// <c>h2c</c>, <c>tls</c> or <c>admin</c>. systemd keeps its own copy open while the service
/// restarts, so connections that arrive meanwhile wait in the socket's queue and none is refused.
/// </summary>
public static class SystemdSockets
{
    /// <summary>The first descriptor systemd passes (<c>SD_LISTEN_FDS_START</c>).</summary>
    public const int FirstDescriptor = 3;

    /// <summary>The flag that sets each listener's address, for messages.</summary>
    public static string FlagOf(string listener) => listener switch
    {
        "public" => "--listen",
        "staging" => "--listen-staging",
        "h2c" => "--listen-h2c",
        "tls" => "--listen-tls",
        "admin" => "--admin",
        _ => listener,
    };

    /// <summary>
    /// The sockets systemd passed to this process, by name; null when there are none for it (no
    /// <c>LISTEN_FDS</c>, or a <c>LISTEN_PID</c> naming another process). The three variables are
    /// removed either way, so no process this one starts takes them for its own.
    /// </summary>
    /// <exception cref="ServerStartException">Malformed variables, or a descriptor that is not a listening TCP socket.</exception>
    public static IReadOnlyDictionary<string, Socket>? FromEnvironment()
    {
        var pid = Environment.GetEnvironmentVariable("LISTEN_PID");
        var count = Environment.GetEnvironmentVariable("LISTEN_FDS");
        var names = Environment.GetEnvironmentVariable("LISTEN_FDNAMES");
        foreach (var name in new[] { "LISTEN_PID", "LISTEN_FDS", "LISTEN_FDNAMES" }) Environment.SetEnvironmentVariable(name, null);
        return Parse(pid, count, names, Environment.ProcessId);
    }

    /// <summary>The sockets <paramref name="count"/> and <paramref name="names"/> describe when <paramref name="pid"/> is <paramref name="self"/>.</summary>
    internal static IReadOnlyDictionary<string, Socket>? Parse(string? pid, string? count, string? names, int self)
    {
        if (string.IsNullOrEmpty(count)) return null;
        if (!int.TryParse(pid, NumberStyles.None, CultureInfo.InvariantCulture, out var forPid))
            throw new ServerStartException($"LISTEN_PID ('{pid}') is not a process id; systemd sets it with LISTEN_FDS for socket activation.");
        if (forPid != self) return null;
        if (!int.TryParse(count, NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n < 1 || n > 16)
            throw new ServerStartException($"LISTEN_FDS ('{count}') is not a count of sockets from 1 to 16.");
        var named = (names ?? "").Split(':');
        if (named.Length != n)
            throw new ServerStartException($"systemd passed {n} socket(s) but LISTEN_FDNAMES names {(string.IsNullOrEmpty(names) ? "none" : named.Length.ToString(CultureInfo.InvariantCulture))}; give each socket unit FileDescriptorName=public, staging, h2c, tls or admin.");
        var sockets = new Dictionary<string, Socket>(StringComparer.Ordinal);
        try
        {
            for (int i = 0; i < n; i++)
            {
                var name = named[i];
                int fd = FirstDescriptor + i;
                if (FlagOf(name) == name)
                    throw new ServerStartException($"systemd passed a socket named '{name}' (descriptor {fd}); Baton takes sockets named public, staging, h2c, tls or admin (FileDescriptorName= in the socket unit).");
                if (sockets.ContainsKey(name))
                    throw new ServerStartException($"systemd passed two sockets named '{name}'; a listener takes one socket (one ListenStream= per socket unit).");
                sockets[name] = Adopt(fd, name);
            }
            return sockets;
        }
        catch
        {
            foreach (var socket in sockets.Values) socket.Dispose();
            throw;
        }
    }

    /// <summary>The descriptor as a socket, when it is a listening TCP socket on an IP address.</summary>
    private static Socket Adopt(int fd, string name)
    {
        Socket socket;
        try
        {
            socket = new Socket(new SafeSocketHandle(fd, ownsHandle: true));
        }
        catch (Exception e) when (e is SocketException or ArgumentException or PlatformNotSupportedException)
        {
            throw new ServerStartException($"The {name} descriptor systemd passed ({fd}) is not a socket: {e.Message}.");
        }
        bool listening = false;
        try
        {
            listening = socket.SocketType == SocketType.Stream
                && socket.AddressFamily is AddressFamily.InterNetwork or AddressFamily.InterNetworkV6
                && (int)socket.GetSocketOption(SocketOptionLevel.Socket, SocketOptionName.AcceptConnection)! != 0
                && socket.LocalEndPoint is IPEndPoint;
        }
        catch (SocketException)
        {
        }
        if (!listening)
        {
            socket.Dispose();
            throw new ServerStartException($"The {name} socket systemd passed (descriptor {fd}) is not a listening TCP socket on an IP address; use ListenStream=ADDRESS:PORT in its socket unit.");
        }
        return socket;
    }

    /// <summary>
    /// True when the socket's address is the one the listener's flag names: the same port (any, for
    /// port 0) and the same address, where every-interface (<c>:8080</c>) also matches systemd's
    /// dual-stack <c>[::]</c> (<c>ListenStream=8080</c>).
    /// </summary>
    public static bool Matches(IPEndPoint wanted, IPEndPoint bound)
    {
        if (wanted.Port != 0 && wanted.Port != bound.Port) return false;
        var address = bound.Address.IsIPv4MappedToIPv6 ? bound.Address.MapToIPv4() : bound.Address;
        if (wanted.Address.Equals(IPAddress.Any) || wanted.Address.Equals(IPAddress.IPv6Any))
            return address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any);
        return wanted.Address.Equals(address);
    }
}
