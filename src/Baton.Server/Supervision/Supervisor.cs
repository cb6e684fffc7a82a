using System.Diagnostics;
using System.IO.Pipes;
using System.Runtime.InteropServices;

namespace Baton.Server.Supervision;

/// <summary>
/// <c>baton server</c> as a small supervisor: it takes the data directory's lock, opens the
/// listening sockets once (<see cref="InheritedSockets"/>) and runs Baton in two processes that
/// inherit them: the router (public, h2c, TLS and staging listeners; the data plane) and the
/// controller (admin API, page, deployer), which reaches the router on its control socket. A
/// controller that crashes, hangs or is upgraded never touches public traffic. The router is
/// replaced with no refused connection and no failed request: on <c>SIGHUP</c>, on
/// <c>baton router restart</c> (the controller asks for it), and at once when it dies.
/// </summary>
/// <remarks>
/// A router handover, steps: 1. the old router is told (<c>release</c>) and keeps serving public
/// requests, but takes no more control call that changes its state: it stops its control socket
/// (the controller's calls wait for the next router's), cancels a stage or <c>--target</c> deploy
/// still waiting, lets the changes in flight finish, and only then answers <c>released</c>, so the
/// state the next router loads has every change the controller was told of;
/// 2. a new router starts from the binary on disk (so an upgraded binary takes over), loads the
/// saved router state, serves on the same sockets, points the control socket's name at itself and
/// says it is ready; 3. the old one answers with <c>Connection: close</c> for a moment, so
/// kept-alive clients reconnect, then stops accepting and drains: in-flight requests finish,
/// WebSockets and streams until they end or the drain timeout.
/// </remarks>
/// <param name="roles">The parts it runs, router first: both for <c>baton server</c>; the router alone for
/// <c>baton router run</c> on a router host (<see cref="RouterOnly"/>), where no controller runs beside it.</param>
public sealed class Supervisor(IReadOnlyList<string> workerArguments, TextWriter log, IReadOnlyList<ServerRole>? roles = null)
{
    /// <summary>The parts of <c>baton router run</c>: the data plane alone.</summary>
    public static readonly IReadOnlyList<ServerRole> RouterOnly = [ServerRole.Router];

    private readonly IReadOnlyList<ServerRole> _roles = roles ?? [ServerRole.Router, ServerRole.Controller];

    /// <summary>The environment variable that tells a <c>baton server</c> it is a supervisor's worker.</summary>
    public const string WorkerVariable = "BATON_WORKER";

    /// <summary>The environment variable that tells a worker which part it runs (<see cref="ServerRole"/>).</summary>
    public const string RoleVariable = "BATON_ROLE";

    /// <summary>The runtime's switch for running socket continuations on the epoll threads.</summary>
    public const string InlineCompletionsVariable = "DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS";

    /// <summary>How long a new worker gets to say it is ready before the supervisor gives up on it.</summary>
    public static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(60);

    private readonly SemaphoreSlim _changing = new(1, 1);
    private readonly CancellationTokenSource _stopping = new();
    private readonly Dictionary<ServerRole, Worker> _current = [];
    private readonly Dictionary<ServerRole, int> _generation = [];

    /// <summary>
    /// Runs until SIGTERM, SIGINT or SIGQUIT, or until the first router or controller fails to
    /// start (its exit code is returned: it has already said why).
    /// </summary>
    public async Task<int> RunAsync(InheritedSockets sockets, CancellationToken ct)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, _stopping.Token);
        using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
        using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
        using var quit = PosixSignalRegistration.Create(PosixSignal.SIGQUIT, Stop);
        using var hangup = PosixSignalRegistration.Create(PosixSignal.SIGHUP, c =>
        {
            c.Cancel = true;
            _ = Task.Run(() => RestartAsync(sockets, "SIGHUP"));
        });

        // The router first: the controller's recovery and API need it.
        foreach (var role in _roles)
        {
            var first = await StartWorkerAsync(sockets, role).ConfigureAwait(false);
            if (!first.Ready)
            {
                await first.Process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
                await StopAllAsync().ConfigureAwait(false);
                return first.Process.ExitCode;
            }
            _current[role] = first;
            Watch(first, sockets);
        }
        // A Type=notify unit (packaging/baton.service) counts as started from here.
        SystemdNotify.Ready();

        var upgrades = WatchBinaryAsync(sockets, linked.Token);
        try
        {
            await Task.Delay(Timeout.Infinite, linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
        await upgrades.ConfigureAwait(false);
        return await StopAllAsync().ConfigureAwait(false);

        void Stop(PosixSignalContext c)
        {
            c.Cancel = true;
            _stopping.Cancel();
        }
    }

    /// <summary>Stop: no restart any more; the controller stops first (no deploy half-sent), then the router drains and exits.</summary>
    private async Task<int> StopAllAsync()
    {
        _stopping.Cancel();
        SystemdNotify.Stopping();
        await _changing.WaitAsync(CancellationToken.None).ConfigureAwait(false);
        int code = 0;
        foreach (var role in new[] { ServerRole.Controller, ServerRole.Router })
        {
            if (!_current.Remove(role, out var last)) continue;
            last.Retired = true;
            last.Send("stop");
            // The router drains within its own shutdown timeout; a controller that does not stop
            // (hung) is not waited for past ControllerStopTimeout: nothing of the traffic is its.
            if (role == ServerRole.Controller) await StopOrKillAsync(last.Process, ControllerStopTimeout).ConfigureAwait(false);
            else await last.Process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
            code = Math.Max(code, last.Process.ExitCode);
        }
        return code;
    }

    /// <summary>
    /// Replaces the router process by a new one (see the class remarks); a second request while one
    /// runs waits for it. A new router that fails to start is tried again every 5 s while the old
    /// one goes on serving the public listeners.
    /// </summary>
    public async Task RestartAsync(InheritedSockets sockets, string why)
    {
        await _changing.WaitAsync(CancellationToken.None).ConfigureAwait(false);
        try
        {
            if (_stopping.IsCancellationRequested || !_current.TryGetValue(ServerRole.Router, out var old)) return;
            var clock = Stopwatch.StartNew();
            log.WriteLine($"Restarting the router ({why}): a new process takes over the listening sockets.");
            // Step 1
            old.Send("release");
            await old.WaitForAsync("released", TimeSpan.FromSeconds(30)).ConfigureAwait(false);
            // Step 2: until one starts, the old router keeps serving.
            Worker next;
            while (!(next = await StartWorkerAsync(sockets, ServerRole.Router).ConfigureAwait(false)).Ready)
            {
                if (!next.Process.HasExited) next.Process.Kill();
                log.WriteLine($"The new router process did not start; PID {old.Process.Id} keeps serving the public listeners; trying again in 5 s.");
                try
                {
                    await Task.Delay(TimeSpan.FromSeconds(5), _stopping.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return; // stopping: RunAsync stops the old router
                }
            }
            _current[ServerRole.Router] = next;
            Watch(next, sockets);
            // Step 3
            old.Retired = true;
            old.Send("stop");
            log.WriteLine($"Router restarted in {clock.Elapsed.TotalSeconds:0.0} s: PID {old.Process.Id} drains and stops, PID {next.Process.Id} serves.");
        }
        finally
        {
            _changing.Release();
        }
    }

    /// <summary>How often the binary on disk is looked at, and how long it must stay unchanged before it is taken (a copy in progress is not).</summary>
    internal static readonly TimeSpan BinaryPoll = TimeSpan.FromSeconds(2);

    /// <summary>
    /// An upgrade by installing a new Baton: when the program's files on disk change (a newer
    /// modification time that then holds for <see cref="BinaryPoll"/>), both parts are replaced
    /// from them. Steps: 1. the controller stops (a deployment it runs is stopped as at SIGTERM);
    /// 2. the router is handed over with no dropped connection (<see cref="RestartAsync"/>);
    /// 3. a new controller starts, and finishes or rolls back what the old one left. Public
    /// traffic never stops; the admin API is away for a few seconds.
    /// </summary>
    private async Task WatchBinaryAsync(InheritedSockets sockets, CancellationToken ct)
    {
        var files = ProgramFiles();
        var seen = Stamp(files);
        try
        {
            while (true)
            {
                await Task.Delay(BinaryPoll, ct).ConfigureAwait(false);
                var now = Stamp(files);
                if (now <= seen) continue;
                // Changed: take it once it holds still.
                await Task.Delay(BinaryPoll, ct).ConfigureAwait(false);
                if (Stamp(files) != now) continue;
                seen = now;
                log.WriteLine($"The program on disk changed: upgrading {(_roles.Contains(ServerRole.Controller) ? "the controller and the router" : "the router")} to it.");
                if (_roles.Contains(ServerRole.Controller))
                    await ReplaceControllerAsync(sockets, async () => await RestartAsync(sockets, "the program on disk changed").ConfigureAwait(false)).ConfigureAwait(false);
                else
                    await RestartAsync(sockets, "the program on disk changed").ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>
    /// What a new worker would be started from: every assembly in the program's folder (a rebuild
    /// may change Baton.Server.dll alone; a single-file install has none there), and the program
    /// file itself when it is not <c>dotnet</c> (the apphost, or the single file of a package).
    /// </summary>
    private static List<string> ProgramFiles()
    {
        // AppContext.BaseDirectory, not the entry assembly's Location: that is empty in a single file.
        var files = new List<string> { Path.Combine(AppContext.BaseDirectory, "*.dll") };
        if (Environment.ProcessPath is { } path && !Path.GetFileNameWithoutExtension(path).Equals("dotnet", StringComparison.OrdinalIgnoreCase)) files.Add(path);
        return files;
    }

    /// <summary>The newest modification time among <paramref name="files"/> (a <c>*.dll</c> entry stands for the folder's assemblies).</summary>
    private static DateTime Stamp(List<string> files)
    {
        var newest = DateTime.MinValue;
        foreach (var f in files)
        {
            try
            {
                var found = Path.GetFileName(f) == "*.dll" ? Directory.EnumerateFiles(Path.GetDirectoryName(f)!, "*.dll") : [f];
                foreach (var file in found)
                {
                    var time = File.GetLastWriteTimeUtc(file);
                    if (time > newest) newest = time;
                }
            }
            catch (IOException)
            {
                // A folder being replaced: looked at again at the next poll.
            }
        }
        return newest;
    }

    /// <summary>How long a controller told to stop gets before it is killed.</summary>
    internal static readonly TimeSpan ControllerStopTimeout = TimeSpan.FromSeconds(30);

    private async Task StopOrKillAsync(Process process, TimeSpan timeout)
    {
        using var wait = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(wait.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            log.WriteLine($"The controller process (PID {process.Id}) did not stop within {timeout.TotalSeconds:0} s; killing it.");
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
        }
    }

    /// <summary>Stops the controller, runs <paramref name="between"/>, and starts a new controller (tried again every 5 s until one starts).</summary>
    private async Task ReplaceControllerAsync(InheritedSockets sockets, Func<Task> between)
    {
        await _changing.WaitAsync(CancellationToken.None).ConfigureAwait(false);
        try
        {
            if (_stopping.IsCancellationRequested || !_current.Remove(ServerRole.Controller, out var old)) return;
            old.Retired = true;
            old.Send("stop");
            await StopOrKillAsync(old.Process, ControllerStopTimeout).ConfigureAwait(false);
        }
        finally
        {
            _changing.Release();
        }
        await between().ConfigureAwait(false);
        await _changing.WaitAsync(CancellationToken.None).ConfigureAwait(false);
        try
        {
            while (!_stopping.IsCancellationRequested)
            {
                var next = await StartWorkerAsync(sockets, ServerRole.Controller).ConfigureAwait(false);
                if (next.Ready)
                {
                    _current[ServerRole.Controller] = next;
                    Watch(next, sockets);
                    log.WriteLine($"Controller process PID {next.Process.Id} serves the admin API.");
                    return;
                }
                if (!next.Process.HasExited) next.Process.Kill();
                log.WriteLine("The new controller process did not start; trying again in 5 s.");
                await Task.Delay(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
            }
        }
        finally
        {
            _changing.Release();
        }
    }

    /// <summary>
    /// A router or controller that dies (not one retired by a handover or a stop) is replaced at
    /// once; one that keeps dying within 30 s of its start gets a growing pause from its fourth
    /// death on. A dead router's connections wait in the listening sockets' queues meanwhile (none
    /// is refused while the queue has room); a dead controller touches no public traffic.
    /// </summary>
    private void Watch(Worker worker, InheritedSockets sockets) => _ = Task.Run(async () =>
    {
        var restartRequests = worker.Requests(sockets, this);
        await worker.Process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
        await restartRequests.ConfigureAwait(false);
        if (worker.Retired || _stopping.IsCancellationRequested) return;
        await _changing.WaitAsync(CancellationToken.None).ConfigureAwait(false);
        try
        {
            if (_current.GetValueOrDefault(worker.Role) != worker || _stopping.IsCancellationRequested) return;
            var lived = DateTime.UtcNow - worker.ReadyAt;
            // At once, unless it keeps dying: from the fourth quick death in a row, 1, 2, 4 … 30 s apart.
            int crashes = lived > TimeSpan.FromSeconds(30) ? 0 : worker.Crashes + 1;
            var pause = crashes <= 3 ? TimeSpan.Zero : TimeSpan.FromSeconds(Math.Min(30, Math.Pow(2, crashes - 4)));
            var what = worker.Role == ServerRole.Router ? "router" : "controller";
            log.WriteLine($"The {what} process (PID {worker.Process.Id}) exited with code {worker.Process.ExitCode}; starting a new one{(pause > TimeSpan.Zero ? $" in {pause.TotalSeconds:0} s" : "")}{(worker.Role == ServerRole.Router ? " on the same sockets" : "; public traffic is the router's and goes on")}.");
            if (pause > TimeSpan.Zero) await Task.Delay(pause).ConfigureAwait(false);
            while (!_stopping.IsCancellationRequested)
            {
                var next = await StartWorkerAsync(sockets, worker.Role, crashes).ConfigureAwait(false);
                if (next.Ready)
                {
                    _current[worker.Role] = next;
                    Watch(next, sockets);
                    return;
                }
                if (!next.Process.HasExited) next.Process.Kill();
                log.WriteLine($"The new {what} process did not start; trying again in 5 s.");
                await Task.Delay(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
            }
        }
        finally
        {
            _changing.Release();
        }
    });

    /// <summary>Starts a worker of <paramref name="role"/> on the sockets and waits for its <c>ready</c> (or its exit).</summary>
    private async Task<Worker> StartWorkerAsync(InheritedSockets sockets, ServerRole role, int crashes = 0)
    {
        var events = new AnonymousPipeServerStream(PipeDirection.In, HandleInheritability.Inheritable);
        var (file, prefix) = SelfCommand();
        var psi = new ProcessStartInfo(file) { UseShellExecute = false, RedirectStandardInput = true };
        foreach (var a in prefix) psi.ArgumentList.Add(a);
        foreach (var a in workerArguments) psi.ArgumentList.Add(a);
        psi.Environment[InheritedSockets.Variable] = sockets.Describe();
        int generation = _generation[role] = _generation.GetValueOrDefault(role) + 1;
        psi.Environment[WorkerVariable] = $"{Environment.ProcessId}:{events.GetClientHandleAsString()}:{generation}";
        psi.Environment[RoleVariable] = role.ToString();
        // The service's state is the supervisor's to tell systemd.
        psi.Environment.Remove(SystemdNotify.Variable);
        // The router runs socket continuations inline on the epoll threads (ServerCommand). The
        // controller must not: its deployer calls the router synchronously (IRouterControl), and
        // such a call made from an epoll thread would wait for a completion only that thread can run.
        if (role == ServerRole.Controller) psi.Environment[InlineCompletionsVariable] = "0";
        var process = Process.Start(psi) ?? throw new InvalidOperationException("The worker process did not start.");
        // The write end now lives in the worker only: its exit ends our reads.
        events.DisposeLocalCopyOfClientHandle();
        var worker = new Worker(process, events, role) { Crashes = crashes };
        worker.Ready = await worker.WaitForAsync("ready", ReadyTimeout).ConfigureAwait(false);
        worker.ReadyAt = DateTime.UtcNow;
        return worker;
    }

    /// <summary>How to start this program again: the apphost or single file itself, or <c>dotnet baton.dll</c>.</summary>
    private static (string File, string[] Prefix) SelfCommand()
    {
        var path = Environment.ProcessPath ?? "dotnet";
        bool viaDotnet = Path.GetFileNameWithoutExtension(path).Equals("dotnet", StringComparison.OrdinalIgnoreCase);
        // Run by dotnet, the program is an assembly in AppContext.BaseDirectory (never a single file).
        var entry = System.Reflection.Assembly.GetEntryAssembly()?.GetName().Name is { } name ? Path.Combine(AppContext.BaseDirectory, name + ".dll") : null;
        return viaDotnet && entry is not null ? (path, [entry]) : (path, []);
    }

    /// <summary>One worker process: commands go to its stdin, its events come on an inherited pipe.</summary>
    private sealed class Worker(Process process, AnonymousPipeServerStream events, ServerRole role)
    {
        public ServerRole Role => role;
        private readonly StreamReader _events = new(events);
        private readonly Lock _gate = new();
        private readonly List<(string Line, TaskCompletionSource Seen)> _waits = [];
        private Task? _reading;

        public Process Process => process;
        public bool Ready { get; set; }
        public DateTime ReadyAt { get; set; }
        public bool Retired { get; set; }
        public int Crashes { get; init; }

        private Func<string, Task>? _onRequest;

        public void Send(string command)
        {
            try
            {
                process.StandardInput.WriteLine(command);
                process.StandardInput.Flush();
            }
            catch (IOException)
            {
                // It has exited already: nothing to tell it.
            }
        }

        /// <summary>True when the worker wrote <paramref name="line"/> in time; false when it exited or timed out first.</summary>
        public async Task<bool> WaitForAsync(string line, TimeSpan timeout)
        {
            var seen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            lock (_gate)
            {
                _waits.Add((line, seen));
                _reading ??= ReadAsync();
            }
            var done = await Task.WhenAny(seen.Task, process.WaitForExitAsync(), Task.Delay(timeout)).ConfigureAwait(false);
            return done == seen.Task;
        }

        /// <summary>Runs the restarts the worker asks for (<c>baton router restart</c>) until it exits.</summary>
        public Task Requests(InheritedSockets sockets, Supervisor supervisor)
        {
            _onRequest = why => supervisor.RestartAsync(sockets, why);
            lock (_gate) _reading ??= ReadAsync();
            return _reading;
        }

        private async Task ReadAsync()
        {
            while (await _events.ReadLineAsync().ConfigureAwait(false) is { } line)
            {
                lock (_gate)
                {
                    foreach (var wait in _waits.Where(w => w.Line == line).ToList())
                    {
                        wait.Seen.TrySetResult();
                        _waits.Remove(wait);
                    }
                }
                if (line.StartsWith("restart ", StringComparison.Ordinal) && _onRequest is { } request)
                    _ = Task.Run(() => request(line["restart ".Length..]));
            }
        }
    }
}
