using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Baton.Hosts.Tests.Ssh;

/// <summary>
/// A real OpenSSH sshd (Debian's openssh-server) on 127.0.0.1 and a free port, with its own
/// configuration, host key, authorized_keys and pid file in a folder of its own. Keys in its
/// authorized_keys run a forced command: a script that records each run in <see cref="RunsFile"/>,
/// prints <c>SSH_ORIGINAL_COMMAND</c>, then copies stdin to stdout (and for the command
/// <c>fail</c>, writes to stderr and exits 3). Stopped by its PID.
/// </summary>
public sealed class TestSshd : IDisposable
{
    public const string Sshd = "/usr/sbin/sshd";

    private Process? _process;

    public TestSshd()
    {
        if (!File.Exists(Sshd))
            throw new InvalidOperationException($"These tests need a real sshd at {Sshd}; install the Debian package openssh-server (./test.sh does).");
        Directory = System.IO.Directory.CreateTempSubdirectory("baton-sshd-").FullName;
        Port = FreePort();
        // sshd's privilege separation wants this directory to exist (no system sshd made it here).
        System.IO.Directory.CreateDirectory("/run/sshd");
        File.WriteAllText(ForcedCommand, $$"""
            #!/bin/sh
            echo "run $$ ${SSH_ORIGINAL_COMMAND:-}" >> {{RunsFile}}
            if [ "${SSH_ORIGINAL_COMMAND:-}" = fail ]; then echo "it went wrong" >&2; exit 3; fi
            echo "original: ${SSH_ORIGINAL_COMMAND:-}"
            exec cat

            """);
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(ForcedCommand, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        File.WriteAllText(AuthorizedKeysFile, "");
        NewHostKey();
        Start();
    }

    public string Directory { get; }

    public int Port { get; }

    public string User { get; } = Environment.UserName;

    public string ForcedCommand => Path.Combine(Directory, "forced.sh");

    public string RunsFile => Path.Combine(Directory, "runs.log");

    public string AuthorizedKeysFile => Path.Combine(Directory, "authorized_keys");

    private string HostKey => Path.Combine(Directory, "host_key");

    private string Config => Path.Combine(Directory, "sshd_config");

    /// <summary>What the forced script recorded: one line per run.</summary>
    public IReadOnlyList<string> Runs => File.Exists(RunsFile) ? File.ReadAllLines(RunsFile) : [];

    /// <summary>Appends an authorized_keys line (the one <c>baton host add</c> would print, with this server's script as the command).</summary>
    public void Authorize(string line) => File.AppendAllText(AuthorizedKeysFile, line + "\n");

    /// <summary>The host key's fingerprint as <c>ssh-keygen -lf</c> prints it.</summary>
    public string HostKeyFingerprint()
    {
        var output = Run("ssh-keygen", "-l", "-E", "sha256", "-f", HostKey + ".pub");
        return output.Split(' ')[1];
    }

    /// <summary>Stops sshd and starts it again with the same keys (every connection to it drops).</summary>
    public void Restart()
    {
        Stop();
        Start();
    }

    /// <summary>How many logins sshd accepted so far.</summary>
    public int AcceptedLogins()
    {
        lock (Log) return Log.Count(l => l.Contains("Accepted publickey", StringComparison.Ordinal));
    }

    /// <summary>Stops sshd, makes a new host key and starts it again on the same port.</summary>
    public void RestartWithNewHostKey()
    {
        Stop();
        NewHostKey();
        Start();
    }

    private void NewHostKey()
    {
        File.Delete(HostKey);
        File.Delete(HostKey + ".pub");
        Run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "test-host", "-f", HostKey);
    }

    /// <summary>Starts sshd (again, after <see cref="Stop"/>) on the same port with the same keys.</summary>
    public void Start()
    {
        File.WriteAllText(Config, $"""
            ListenAddress 127.0.0.1:{Port}
            HostKey {HostKey}
            AuthorizedKeysFile {AuthorizedKeysFile}
            PidFile {Path.Combine(Directory, "sshd.pid")}
            PasswordAuthentication no
            KbdInteractiveAuthentication no
            UsePAM no
            PermitRootLogin forced-commands-only
            StrictModes no
            LogLevel VERBOSE

            """);
        // -D: stays in the foreground, so the process started is sshd itself; -e: its log on stderr.
        var start = new ProcessStartInfo(Sshd) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var a in new[] { "-D", "-e", "-f", Config }) start.ArgumentList.Add(a);
        _process = Process.Start(start)!;
        _process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (Log) Log.Add(e.Data); };
        _process.BeginErrorReadLine();
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited) throw new InvalidOperationException($"sshd exited at start: {string.Join(" | ", Log)}");
            try
            {
                using var probe = new TcpClient();
                probe.Connect(IPAddress.Loopback, Port);
                return;
            }
            catch (SocketException)
            {
                Thread.Sleep(50);
            }
        }
        throw new InvalidOperationException($"sshd did not listen on 127.0.0.1:{Port} within 10 s.");
    }

    /// <summary>
    /// SIGSTOP to every process sshd forked for the connections open now (not sshd itself, which goes on accepting):
    /// those connections stay open and answer nothing, as over a link that went dead. Returns their PIDs, for <see cref="KillFrozen"/>.
    /// </summary>
    public IReadOnlyList<int> FreezeConnections()
    {
        var pids = Descendants(_process!.Id);
        foreach (var pid in pids) Signal("-STOP", pid);
        return pids;
    }

    /// <summary>SIGKILL to the processes <see cref="FreezeConnections"/> stopped (a stopped process outlives sshd's own end).</summary>
    public static void KillFrozen(IEnumerable<int> pids)
    {
        foreach (var pid in pids) Signal("-KILL", pid);
    }

    private static void Signal(string signal, int pid)
    {
        using var kill = Process.Start("kill", [signal, pid.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        kill.WaitForExit();
    }

    private static List<int> Descendants(int root)
    {
        var parents = new Dictionary<int, int>();
        foreach (var dir in System.IO.Directory.GetDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid)) continue;
            try
            {
                // "pid (comm) state ppid ...": the name may hold spaces and parentheses, the last ')' ends it.
                var stat = File.ReadAllText(Path.Combine(dir, "stat"));
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                parents[pid] = int.Parse(fields[1], System.Globalization.CultureInfo.InvariantCulture);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Ended while listed.
            }
        }
        var found = new List<int>();
        var queue = new Queue<int>([root]);
        while (queue.Count > 0)
        {
            var parent = queue.Dequeue();
            foreach (var (pid, ppid) in parents)
                if (ppid == parent) { found.Add(pid); queue.Enqueue(pid); }
        }
        return found;
    }

    /// <summary>sshd's own log lines, for a failing test's message.</summary>
    public List<string> Log { get; } = [];

    /// <summary>Stops sshd by its PID; connections to it drop, its port refuses.</summary>
    public void Stop()
    {
        if (_process is null) return;
        if (!_process.HasExited)
        {
            _process.Kill(); // SIGKILL to exactly this PID; sessions it forked end with their connections
            _process.WaitForExit(5000);
        }
        _process.Dispose();
        _process = null;
    }

    public void Dispose()
    {
        Stop();
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    public static int FreePort() => Baton.Testing.TestPorts.Next();

    private static string Run(string file, params string[] args)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) start.ArgumentList.Add(a);
        using var p = Process.Start(start)!;
        var output = p.StandardOutput.ReadToEnd();
        var error = p.StandardError.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0) throw new InvalidOperationException($"{file} failed: {error}");
        return output.Trim();
    }
}
