using System.Diagnostics;
using System.IO.Pipes;
using System.Runtime.InteropServices;

namespace Baton.Server.Supervision;

/// <summary>
/// <c>baton server</c> as a small supervisor: it takes the data directory's lock, opens the
/// listening sockets once (<see cref="InheritedSockets"/>) and runs Baton itself in a worker
/// process that inherits them. It replaces the worker with no refused connection and no failed
/// request: on <c>SIGHUP</c>, on <c>baton router restart</c> (the worker asks for it), and at once
/// when a worker dies.
/// </summary>
/// <remarks>
/// A handover, steps: 1. the old worker releases control (stops its admin API and deployer; keeps
/// serving); 2. a new worker starts from the binary on disk (so an upgraded binary takes over),
/// loads the saved router state, serves on the same sockets and says it is ready; 3. the old one
/// answers with <c>Connection: close</c> for a moment, so kept-alive clients reconnect, then stops
/// accepting and drains: in-flight requests finish, WebSockets and streams until they end or the
/// drain timeout.
/// </remarks>
public sealed class Supervisor(IReadOnlyList<string> workerArguments, TextWriter log)
{
    /// <summary>The environment variable that tells a <c>baton server</c> it is a supervisor's worker.</summary>
    public const string WorkerVariable = "BATON_WORKER";

    /// <summary>How long a new worker gets to say it is ready before the supervisor gives up on it.</summary>
    public static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(60);

    private readonly SemaphoreSlim _changing = new(1, 1);
    private readonly CancellationTokenSource _stopping = new();
    private Worker? _current;
    private int _generation;

    /// <summary>The worker that serves now, for tests and the pid file.</summary>
    public int? WorkerPid => _current?.Process.Id;

    /// <summary>
    /// Runs until SIGTERM, SIGINT or SIGQUIT, or until the first worker fails to start (its exit
    /// code is returned: it has already said why).
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

        var first = await StartWorkerAsync(sockets).ConfigureAwait(false);
        if (!first.Ready)
        {
            await first.Process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
            return first.Process.ExitCode;
        }
        _current = first;
        Watch(first, sockets);

        try
        {
            await Task.Delay(Timeout.Infinite, linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
        // Stop: no restart any more; the worker drains and exits.
        await _changing.WaitAsync(CancellationToken.None).ConfigureAwait(false);
        var last = _current;
        _current = null;
        if (last is null) return 0;
        last.Send("stop");
        await last.Process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
        return last.Process.ExitCode;

        void Stop(PosixSignalContext c)
        {
            c.Cancel = true;
            _stopping.Cancel();
        }
    }

    /// <summary>
    /// Replaces the current worker by a new one (see the class remarks); a second request while one
    /// runs waits for it. A new worker that fails to start is tried again every 5 s while the old
    /// one goes on serving the public listeners.
    /// </summary>
    public async Task RestartAsync(InheritedSockets sockets, string why)
    {
        await _changing.WaitAsync(CancellationToken.None).ConfigureAwait(false);
        try
        {
            if (_stopping.IsCancellationRequested || _current is not { } old) return;
            var clock = Stopwatch.StartNew();
            log.WriteLine($"Restarting the router ({why}): a new process takes over the listening sockets.");
            // Step 1
            old.Send("release");
            await old.WaitForAsync("released", TimeSpan.FromSeconds(30)).ConfigureAwait(false);
            // Step 2: until one starts, the released worker keeps serving the public traffic (without an admin API).
            Worker next;
            while (!(next = await StartWorkerAsync(sockets).ConfigureAwait(false)).Ready)
            {
                if (!next.Process.HasExited) next.Process.Kill();
                log.WriteLine($"The new router process did not start; PID {old.Process.Id} keeps serving the public listeners; trying again in 5 s.");
                try
                {
                    await Task.Delay(TimeSpan.FromSeconds(5), _stopping.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return; // stopping: RunAsync stops the old worker
                }
            }
            _current = next;
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

    /// <summary>
    /// A worker that dies (not one retired by a handover) is replaced at once; one that keeps dying
    /// within 30 s of its start gets a growing pause from its fourth death on. Connections wait
    /// in the listening sockets' queues meanwhile (none is refused while the queue has room).
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
            if (_current != worker || _stopping.IsCancellationRequested) return;
            var lived = DateTime.UtcNow - worker.ReadyAt;
            // At once, unless it keeps dying: from the fourth quick death in a row, 1, 2, 4 … 30 s apart.
            int crashes = lived > TimeSpan.FromSeconds(30) ? 0 : worker.Crashes + 1;
            var pause = crashes <= 3 ? TimeSpan.Zero : TimeSpan.FromSeconds(Math.Min(30, Math.Pow(2, crashes - 4)));
            log.WriteLine($"The router process (PID {worker.Process.Id}) exited with code {worker.Process.ExitCode}; starting a new one{(pause > TimeSpan.Zero ? $" in {pause.TotalSeconds:0} s" : "")} on the same sockets.");
            if (pause > TimeSpan.Zero) await Task.Delay(pause).ConfigureAwait(false);
            while (!_stopping.IsCancellationRequested)
            {
                var next = await StartWorkerAsync(sockets, crashes).ConfigureAwait(false);
                if (next.Ready)
                {
                    _current = next;
                    Watch(next, sockets);
                    return;
                }
                log.WriteLine("The new router process did not start; trying again in 5 s.");
                await Task.Delay(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
            }
        }
        finally
        {
            _changing.Release();
        }
    });

    /// <summary>Starts a worker on the sockets and waits for its <c>ready</c> (or its exit).</summary>
    private async Task<Worker> StartWorkerAsync(InheritedSockets sockets, int crashes = 0)
    {
        var events = new AnonymousPipeServerStream(PipeDirection.In, HandleInheritability.Inheritable);
        var (file, prefix) = SelfCommand();
        var psi = new ProcessStartInfo(file) { UseShellExecute = false, RedirectStandardInput = true };
        foreach (var a in prefix) psi.ArgumentList.Add(a);
        foreach (var a in workerArguments) psi.ArgumentList.Add(a);
        psi.Environment[InheritedSockets.Variable] = sockets.Describe();
        psi.Environment[WorkerVariable] = $"{Environment.ProcessId}:{events.GetClientHandleAsString()}:{Interlocked.Increment(ref _generation)}";
        var process = Process.Start(psi) ?? throw new InvalidOperationException("The worker process did not start.");
        // The write end now lives in the worker only: its exit ends our reads.
        events.DisposeLocalCopyOfClientHandle();
        var worker = new Worker(process, events) { Crashes = crashes };
        worker.Ready = await worker.WaitForAsync("ready", ReadyTimeout).ConfigureAwait(false);
        worker.ReadyAt = DateTime.UtcNow;
        return worker;
    }

    /// <summary>How to start this program again: the apphost itself, or <c>dotnet baton.dll</c>.</summary>
    private static (string File, string[] Prefix) SelfCommand()
    {
        var path = Environment.ProcessPath ?? "dotnet";
        var entry = System.Reflection.Assembly.GetEntryAssembly()?.Location;
        bool viaDotnet = Path.GetFileNameWithoutExtension(path).Equals("dotnet", StringComparison.OrdinalIgnoreCase);
        return viaDotnet && !string.IsNullOrEmpty(entry) ? (path, [entry]) : (path, []);
    }

    /// <summary>One worker process: commands go to its stdin, its events come on an inherited pipe.</summary>
    private sealed class Worker(Process process, AnonymousPipeServerStream events)
    {
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
