namespace Baton.Hosts;

/// <summary>
/// How the controller reaches one app server's <c>baton host</c> program: each channel (over SSH, a
/// session whose forced command is <c>baton host --config …</c>; in tests, a local process) takes
/// one request line on its standard input and answers on its standard output, or, opened as a
/// session, one request after another (see <see cref="Remote.RemoteEngine"/>).
/// </summary>
public interface IHostTransport
{
    /// <summary>The server's name and address, for sentences (<c>app1 (deploy@10.200.0.2)</c>).</summary>
    string Description { get; }

    /// <summary>Opens one channel; a server that cannot be reached is a <see cref="HostUnreachableException"/> with one sentence.</summary>
    Task<IHostChannel> OpenAsync(CancellationToken cancellationToken);
}

/// <summary>One running <c>baton host</c> program on the far side.</summary>
public interface IHostChannel : IAsyncDisposable
{
    /// <summary>Its standard input: the request goes here, then the stream is closed.</summary>
    Stream Input { get; }

    /// <summary>Its standard output: the answer (one JSON line, or a stream of them for events).</summary>
    Stream Output { get; }

    /// <summary>Waits for the program to end: its exit code, and the end of its standard error (for a sentence when it fails).</summary>
    Task<(int ExitCode, string Error)> CompletionAsync(CancellationToken cancellationToken);

    /// <summary>
    /// True once the program is known to have ended (its process exited, its SSH channel closed): a session kept
    /// idle is not written to then. False when it runs, or when the transport cannot tell.
    /// </summary>
    bool HasEnded => false;
}

/// <summary>The server could not be reached or refused the connection; the message names it and why.</summary>
public sealed class HostUnreachableException(string message, Exception? inner = null) : Exception(message, inner);
