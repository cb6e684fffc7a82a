using Renci.SshNet;
using Renci.SshNet.Common;

namespace Baton.Hosts.Ssh;

/// <summary>
/// One exec channel: the program's stdin is SSH.NET's channel input stream (closing it sends EOF),
/// its stdout the command's output pipe, read as data arrives (never gathered whole).
/// </summary>
internal sealed class SshChannel(SshCommand command, Task run, Stream input, string description, Func<bool>? connected = null) : IHostChannel
{
    /// <summary>Most characters of standard error kept for a sentence.</summary>
    private const int MaxError = 4000;

    public Stream Input => input;

    public Stream Output => command.OutputStream;

    /// <summary>
    /// The command's run ends when the server closes the channel (the program exited or was killed); a connection
    /// the client saw drop (its keep-alive) takes every channel on it along.
    /// </summary>
    public bool HasEnded => run.IsCompleted || connected?.Invoke() == false;

    public async Task<(int ExitCode, string Error)> CompletionAsync(CancellationToken cancellationToken)
    {
        try
        {
            await run.WaitAsync(cancellationToken);
        }
        catch (Exception e) when (e is SshException or ObjectDisposedException or IOException)
        {
            throw new HostUnreachableException($"Lost the connection to {description} while its program ran: {e.Message}", e);
        }
        var error = command.Error;
        if (error.Length > MaxError) error = error[..MaxError] + "…";
        if (command.ExitStatus is { } code) return (code, error);
        // No exit status: ended by a signal (named if the server said which), or the channel closed under it.
        var end = command.ExitSignal is { } signal
            ? $"The program on {description} was ended by signal {signal}."
            : $"The program on {description} ended without an exit status.";
        return (-1, error.Length == 0 ? end : $"{error.TrimEnd('\n')}\n{end}");
    }

    public ValueTask DisposeAsync()
    {
        input.Dispose();
        if (!run.IsCompleted)
        {
            // Still running (a stream of events the caller stopped reading): the channel closes, and
            // sshd ends the program's session with it.
            _ = run.ContinueWith(static t => t.Exception, TaskScheduler.Default);
        }
        command.Dispose();
        return ValueTask.CompletedTask;
    }
}
