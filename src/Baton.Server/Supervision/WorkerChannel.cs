using System.Diagnostics;
using System.Globalization;
using System.IO.Pipes;

namespace Baton.Server.Supervision;

/// <summary>
/// A worker's side of the supervisor's channel: commands come on stdin (<c>release</c>,
/// <c>stop</c>), events go out on the inherited pipe (<c>ready</c>, <c>released</c>,
/// <c>restart WHY</c>). When stdin ends the supervisor is gone (killed): the worker goes with it
/// at once, as one process did before, so nothing serves without a supervisor holding the data
/// directory's lock.
/// </summary>
public sealed class WorkerChannel : IDisposable
{
    private readonly StreamWriter _events;
    private readonly Lock _gate = new();

    private WorkerChannel(int supervisorPid, int generation, StreamWriter events)
    {
        SupervisorPid = supervisorPid;
        Generation = generation;
        _events = events;
    }

    /// <summary>This process's channel, or null when it runs without a supervisor (in-process tests).</summary>
    public static WorkerChannel? Current { get; private set; }

    public int SupervisorPid { get; }

    /// <summary>1 for the first worker of a supervisor, 2 for the one after the first restart, and so on.</summary>
    public int Generation { get; }

    /// <summary>Opens the channel when <see cref="Supervisor.WorkerVariable"/> is set; else null.</summary>
    public static WorkerChannel? Open()
    {
        var text = Environment.GetEnvironmentVariable(Supervisor.WorkerVariable);
        if (string.IsNullOrEmpty(text)) return null;
        var parts = text.Split(':');
        if (parts.Length != 3 || !int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var pid)
            || !int.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out var generation))
            throw new ServerStartException($"{Supervisor.WorkerVariable} is malformed; it is set by baton server's supervisor for its worker, not by hand.");
        var pipe = new AnonymousPipeClientStream(PipeDirection.Out, parts[1]);
        Current = new WorkerChannel(pid, generation, new StreamWriter(pipe) { AutoFlush = true });
        return Current;
    }

    /// <summary>Tells the supervisor something; lost silently when it is gone.</summary>
    public void Send(string line)
    {
        lock (_gate)
        {
            try
            {
                _events.WriteLine(line);
            }
            catch (IOException)
            {
            }
        }
    }

    /// <summary>Reads the supervisor's next command; <c>stop</c> when stdin ends (the process ends at once).</summary>
    /// <remarks>
    /// Console.In reads synchronously, ReadLineAsync included: awaited, it held a thread-pool thread
    /// in read() for the worker's whole life, one of the pool's two on a 2-core machine. The read
    /// runs on a thread of its own instead.
    /// </remarks>
    public static Task<string> NextCommandAsync(CancellationToken ct) =>
        Task.Factory.StartNew(ReadCommand, ct, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    private static string ReadCommand()
    {
        var line = Console.In.ReadLine();
        if (line is null)
        {
            // The supervisor was killed: end as abruptly, so its replacement finds the sockets and the lock free.
            Console.Error.WriteLine("baton: the supervisor is gone; this router process stops at once.");
            Process.GetCurrentProcess().Kill();
        }
        return line ?? "stop";
    }

    public void Dispose() => _events.Dispose();
}
