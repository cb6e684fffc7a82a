using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Baton.Server.Supervision;

namespace Baton.Packaging.Tests.Infrastructure;

/// <summary>
/// Listening sockets this test opens and hands to a program the way systemd's socket activation
/// does: descriptors 3, 4 … with LISTEN_FDS, LISTEN_FDNAMES and LISTEN_PID (the program's own PID,
/// which only a launcher that execs it can know: a few lines of python3). The test keeps its own
/// copies, as systemd does, so they go on listening while the program is away.
/// </summary>
public sealed class ActivatedSockets : IDisposable
{
    // F_DUPFD to 100 and up first, so moving them onto 3, 4 … never closes one another.
    private const string Launcher = """
        import fcntl, os, sys
        fds = [int(x) for x in sys.argv[1].split(',')]
        high = [fcntl.fcntl(fd, fcntl.F_DUPFD, 100) for fd in fds]
        for fd in fds:
            if fd >= 3 + len(fds): os.close(fd)
        for i, fd in enumerate(high):
            os.dup2(fd, 3 + i)
            os.close(fd)
        os.environ['LISTEN_FDS'] = str(len(fds))
        os.environ['LISTEN_FDNAMES'] = sys.argv[2]
        os.environ['LISTEN_PID'] = str(os.getpid())
        os.execv(sys.argv[3], sys.argv[3:])
        """;

    private readonly List<(string Name, Socket Socket)> _sockets = [];

    /// <summary>Opens one listening socket on 127.0.0.1 per name (a free port each).</summary>
    public ActivatedSockets(params string[] names)
    {
        foreach (var name in names)
        {
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            socket.Listen(128);
            InheritedSockets.Inheritable((int)socket.SafeHandle.DangerousGetHandle());
            _sockets.Add((name, socket));
        }
    }

    public IPEndPoint EndPoint(string name) => (IPEndPoint)_sockets.Single(s => s.Name == name).Socket.LocalEndPoint!;

    /// <summary>Starts <paramref name="program"/> with the sockets as systemd would pass them.</summary>
    public RunningProgram Start(string program, params string[] args)
    {
        var fds = string.Join(",", _sockets.Select(s => ((int)s.Socket.SafeHandle.DangerousGetHandle()).ToString(CultureInfo.InvariantCulture)));
        var names = string.Join(":", _sockets.Select(s => s.Name));
        return RunningProgram.Start("python3", ["-c", Launcher, fds, names, program, .. args],
            new Dictionary<string, string?> { ["BATON_URL"] = null, ["BATON_TOKEN"] = null, ["BATON_DATA"] = null });
    }

    public void Dispose()
    {
        foreach (var (_, socket) in _sockets) socket.Dispose();
    }
}
