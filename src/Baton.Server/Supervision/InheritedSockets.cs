using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Baton.Server.Supervision;

/// <summary>
/// The listening sockets the supervisor opens once and every worker process inherits: the public,
/// h2c, TLS, staging and admin listeners. They stay open in the supervisor for its whole life, so
/// while one worker hands over to the next the kernel keeps queueing connections on them (none is
/// refused), and either worker accepts from the same queue. A worker closing its copy never stops
/// the socket listening for the others.
/// </summary>
public sealed partial class InheritedSockets : IDisposable
{
    /// <summary>The environment variable that gives a worker its sockets: <c>public=7@127.0.0.1:8080,admin=9@127.0.0.1:9000</c>.</summary>
    public const string Variable = "BATON_INHERITED_SOCKETS";

    /// <summary>The kernel caps it at net.core.somaxconn (4096 by default since Linux 5.4).</summary>
    public const int Backlog = 4096;

    private readonly List<Socket> _owned = [];

    private InheritedSockets(IReadOnlyDictionary<string, (int Fd, IPEndPoint EndPoint)> sockets) => Sockets = sockets;

    /// <summary>By listener name (<c>public</c>, <c>h2c</c>, <c>tls</c>, <c>staging</c>, <c>admin</c>): the descriptor and the address it is bound to.</summary>
    public IReadOnlyDictionary<string, (int Fd, IPEndPoint EndPoint)> Sockets { get; }

    /// <summary>
    /// Binds each listener in order; the first that cannot bind is named in one sentence and nothing
    /// stays open. A listener with a socket in <paramref name="activated"/> (systemd's socket
    /// activation, <see cref="SystemdSockets"/>) takes that socket instead, when it is bound to the
    /// listener's address; a socket for no listener, or on another address, is refused.
    /// </summary>
    public static InheritedSockets Bind(IReadOnlyList<(string Name, string Address)> listeners, IReadOnlyDictionary<string, Socket>? activated = null)
    {
        var bound = new Dictionary<string, (int, IPEndPoint)>(StringComparer.Ordinal);
        var result = new InheritedSockets(bound);
        // Ours from here on: closed with the rest when anything is refused.
        if (activated is not null) result._owned.AddRange(activated.Values);
        try
        {
            if (activated?.Keys.FirstOrDefault(name => !listeners.Any(l => l.Name == name)) is { } extra)
                throw new ServerStartException($"systemd passed a socket for the {extra} listener, which this command does not run; pass {SystemdSockets.FlagOf(extra)} with its address, or remove that socket unit.");
            foreach (var (name, address) in listeners)
            {
                if (!ListenAddress.TryParse(address, out var endPoint, out var error)) throw new ServerStartException(error);
                if (activated?.GetValueOrDefault(name) is { } given)
                {
                    var at = (IPEndPoint)given.LocalEndPoint!;
                    if (!SystemdSockets.Matches(endPoint, at))
                        throw new ServerStartException($"systemd passed the {name} socket bound to {at}, but {SystemdSockets.FlagOf(name)} is {address}; give both the same address.");
                    int givenFd = (int)given.SafeHandle.DangerousGetHandle();
                    Inheritable(givenFd);
                    bound[name] = (givenFd, at);
                    continue;
                }
                var socket = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
                result._owned.Add(socket);
                // No ReuseAddress: on Linux .NET sets SO_REUSEPORT with it, and a second process could then
                // listen on the same port beside this one, unnoticed. .NET's own default (SO_REUSEADDR alone)
                // already lets a restarted Baton rebind despite connections in TIME_WAIT, as Kestrel does.
                try
                {
                    socket.Bind(endPoint);
                    // Room for the connections that arrive while no worker accepts (a worker's restart after a crash takes about a second).
                    socket.Listen(Backlog);
                }
                catch (SocketException e) when (e.SocketErrorCode == SocketError.AddressAlreadyInUse)
                {
                    throw new ServerStartException($"The {name} address {address} is already in use; stop what listens there or pass another address.");
                }
                catch (SocketException e)
                {
                    throw new ServerStartException($"Cannot listen on the {name} address {address}: {e.Message}.");
                }
                int fd = (int)socket.SafeHandle.DangerousGetHandle();
                Inheritable(fd);
                bound[name] = (fd, (IPEndPoint)socket.LocalEndPoint!);
            }
            return result;
        }
        catch
        {
            result.Dispose();
            throw;
        }
    }

    /// <summary>The value of <see cref="Variable"/> for a worker.</summary>
    public string Describe() => string.Join(",", Sockets.Select(s => $"{s.Key}={s.Value.Fd.ToString(CultureInfo.InvariantCulture)}@{s.Value.EndPoint}"));

    /// <summary>A worker's view of <see cref="Variable"/>; null when it is not set (no supervisor: Baton binds its own listeners).</summary>
    public static IReadOnlyDictionary<string, (int Fd, IPEndPoint EndPoint)>? FromEnvironment()
    {
        var text = Environment.GetEnvironmentVariable(Variable);
        if (string.IsNullOrEmpty(text)) return null;
        var sockets = new Dictionary<string, (int, IPEndPoint)>(StringComparer.Ordinal);
        foreach (var item in text.Split(',', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = item.IndexOf('=');
            var at = item.IndexOf('@');
            if (eq < 1 || at < eq || !int.TryParse(item[(eq + 1)..at], NumberStyles.None, CultureInfo.InvariantCulture, out var fd) || !IPEndPoint.TryParse(item[(at + 1)..], out var endPoint))
                throw new ServerStartException($"{Variable} is malformed ({item}); it is set by baton server's supervisor for its worker, not by hand.");
            sockets[item[..eq]] = (fd, endPoint);
        }
        return sockets;
    }

    /// <summary>Clears close-on-exec, so a process this one starts inherits the descriptor.</summary>
    public static void Inheritable(int fd)
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS()) throw new PlatformNotSupportedException("Handing listening sockets to a new process needs Linux or macOS.");
        int flags = Fcntl(fd, GetFd, 0);
        if (flags < 0 || Fcntl(fd, SetFd, flags & ~CloseOnExec) < 0)
            throw new ServerStartException($"Cannot make descriptor {fd} inheritable (fcntl failed with error {Marshal.GetLastPInvokeError()}).");
    }

    private const int GetFd = 1, SetFd = 2, CloseOnExec = 1;

    [LibraryImport("libc", EntryPoint = "fcntl", SetLastError = true)]
    private static partial int Fcntl(int fd, int command, int argument);

    public void Dispose()
    {
        foreach (var socket in _owned) socket.Dispose();
        _owned.Clear();
    }
}
