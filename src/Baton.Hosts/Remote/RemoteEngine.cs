using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Baton.Docker;
using Baton.Hosts.Protocol;

namespace Baton.Hosts.Remote;

/// <summary>
/// An app server's engine, reached through its <c>baton host</c> program over an <see cref="IHostTransport"/>
/// (SSH in production, a local process in tests). A call writes one request and reads one answer on a session
/// channel (one agent answering request after request, kept open for the next calls: starting a process per call
/// costs 0.3 s on a quiet server, seconds on a busy one), or on a channel of its own whose input it then closes:
/// when all <see cref="RemoteEngineOptions.SessionChannels"/> are busy, when the agent is of a Baton without
/// sessions, and for event streams. Every failure is a value whose sentence names the server; one that never
/// reached the engine (no connection, a broken channel, no answer in time) is <see cref="DockerErrorKind.EngineUnreachable"/>.
/// A request that may have reached the agent is never sent again: a session whose exchange did not end cleanly is
/// closed, and the call fails as a single one would have.
/// </summary>
public sealed class RemoteEngine : IContainerEngine, IAsyncDisposable, IDisposable
{
    private static readonly byte[] SessionLine = HostJson.Line(new HostRequest { Op = HostOps.Session }, HostJson.Default.HostRequest);

    private readonly IHostTransport transport;
    private readonly HostSessions sessions;

    public RemoteEngine(IHostTransport transport, RemoteEngineOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(transport);
        this.transport = transport;
        Options = options ?? new RemoteEngineOptions();
        sessions = new HostSessions(Options);
        Containers = new RemoteContainers(this);
        Images = new RemoteImages(this);
        Events = new RemoteEvents(this);
    }

    public string Description => transport.Description;

    public IContainers Containers { get; }

    public IImages Images { get; }

    public IEvents Events { get; }

    internal RemoteEngineOptions Options { get; }

    internal IHostTransport Transport => transport;

    public Task<DockerResult> NetworkExistsAsync(string name, CancellationToken ct) =>
        CallAsync(new HostRequest { Op = HostOps.NetworkExists, Network = name }, $"check network {name}", null, ct);

    /// <summary>The server's name, engine and what its config allows; what <c>baton host check</c> shows.</summary>
    public Task<DockerResult<HostInfo>> PingAsync(CancellationToken ct = default) =>
        CallAsync(new HostRequest { Op = HostOps.Ping }, "answer a ping", HostJson.Default.HostAnswerHostInfo, null, ct);

    /// <summary>One call whose answer carries a value.</summary>
    /// <param name="timeout">Null: <see cref="RemoteEngineOptions.RequestTimeout"/>; InfiniteTimeSpan: none.</param>
    internal async Task<DockerResult<T>> CallAsync<T>(HostRequest request, string action, JsonTypeInfo<HostAnswer<T>> type, TimeSpan? timeout, CancellationToken ct)
    {
        var exchanged = await ExchangeAsync(request, action, timeout, ct).ConfigureAwait(false);
        if (!exchanged.TryGetValue(out var line, out var error)) return error;
        var answer = Parse(line, type, action, out var unreadable);
        if (answer is null) return unreadable!;
        if (!answer.Ok) return Failure(answer);
        return answer.Value is { } value ? value : new DockerError(DockerErrorKind.Engine, $"{Description} answered without a value when asked to {action}.");
    }

    /// <summary>One call whose answer is ok or an error.</summary>
    internal async Task<DockerResult> CallAsync(HostRequest request, string action, TimeSpan? timeout, CancellationToken ct)
    {
        var exchanged = await ExchangeAsync(request, action, timeout, ct).ConfigureAwait(false);
        if (!exchanged.TryGetValue(out var line, out var error)) return error;
        var answer = Parse(line, HostJson.Default.HostAnswer, action, out var unreadable);
        if (answer is null) return unreadable!;
        return answer.Ok ? DockerResult.Ok : Failure(answer);
    }

    /// <summary>The agent's sentence, with the server named in front: several servers' errors end up in one deploy's message.</summary>
    internal DockerError Failure(HostAnswer answer) =>
        new(answer.Error ?? DockerErrorKind.Engine, $"{Description}: {answer.Message ?? "the request failed and the agent gave no reason"}");

    internal T? Parse<T>(byte[] line, JsonTypeInfo<T> type, string action, out DockerError? error) where T : class
    {
        try
        {
            error = null;
            return JsonSerializer.Deserialize(line, type) ?? throw new JsonException("null");
        }
        catch (JsonException)
        {
            error = new DockerError(DockerErrorKind.Engine, $"{Description} answered with something other than Baton's host protocol when asked to {action} (is its baton the same version?).");
            return null;
        }
    }

    /// <summary>
    /// Writes the request and reads the first answer line, on a session channel when one can be had, else on a channel
    /// of its own.
    /// 1. Take an idle session, or open one (its first line asks for a session; an agent that refuses it is of an
    ///    older Baton: calls use a channel each from then on). A stale idle one is closed before anything is written.
    /// 2. Write the request; on a channel of its own, close the input too, so the agent sees its end.
    /// 3. Read the first line that is not a heartbeat; none at all: the agent's exit code and standard error say why.
    /// 4. A session goes back for the next call only when its answer was read; else it is closed.
    /// </summary>
    private async Task<DockerResult<byte[]>> ExchangeAsync(HostRequest request, string action, TimeSpan? timeout, CancellationToken ct)
    {
        var limit = timeout ?? Options.RequestTimeout;
        using var deadline = limit == Timeout.InfiniteTimeSpan ? new CancellationTokenSource() : new CancellationTokenSource(limit, Options.TimeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, deadline.Token);
        var line = HostJson.Line(request, HostJson.Default.HostRequest);
        try
        {
            // Step 1. A line the agent would refuse unread ends its session: it goes on a channel of its own.
            if (line.Length <= HostJson.MaxRequestBytes)
            {
                var (session, unreachable) = await SessionAsync(action, linked.Token).ConfigureAwait(false);
                if (unreachable is not null) return unreachable;
                if (session is not null) return await ExchangeAsync(session, line, action, linked.Token).ConfigureAwait(false);
            }
            var (open, failed) = await OpenAsync(action, linked.Token).ConfigureAwait(false);
            if (open is null) return failed!;
            await using (open.ConfigureAwait(false))
            {
                // Step 2
                await open.Input.WriteAsync(line, linked.Token).ConfigureAwait(false);
                await open.Input.FlushAsync(linked.Token).ConfigureAwait(false);
                open.Input.Close();
                // Step 3
                return await AnswerAsync(open, new LineReader(open.Output, Options.MaxAnswerBytes), action, linked.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return new DockerError(DockerErrorKind.EngineUnreachable, $"{Description} did not answer within {limit.TotalSeconds:0.#} s when asked to {action}.");
        }
        catch (Exception e) when (e is IOException or InvalidDataException or ObjectDisposedException && !ct.IsCancellationRequested)
        {
            return new DockerError(DockerErrorKind.EngineUnreachable, $"The channel to {Description} broke when asked to {action}: {e.Message.TrimEnd('.')}.");
        }
    }

    /// <summary>Steps 2 to 4 on a session: the request, its answer, and the session back for the next call only when both went through.</summary>
    private async Task<DockerResult<byte[]>> ExchangeAsync(HostSession session, byte[] line, string action, CancellationToken ct)
    {
        var clean = false;
        try
        {
            await session.Channel.Input.WriteAsync(line, ct).ConfigureAwait(false);
            await session.Channel.Input.FlushAsync(ct).ConfigureAwait(false);
            var answer = await AnswerAsync(session.Channel, session.Reader, action, ct).ConfigureAwait(false);
            clean = answer.IsSuccess;
            return answer;
        }
        finally
        {
            if (clean) await sessions.ReturnAsync(session).ConfigureAwait(false);
            else await sessions.DiscardAsync(session).ConfigureAwait(false);
        }
    }

    /// <summary>Step 3: the first answer line; none at all: the agent's exit code and standard error say why.</summary>
    private async Task<DockerResult<byte[]>> AnswerAsync(IHostChannel channel, LineReader reader, string action, CancellationToken ct)
    {
        // SSH.NET's output pipe does not give up a read when asked to: on a link that went dead
        // (no reset, no answer) it would wait for TCP to time out, minutes later. The deadline
        // ends the wait here, and closing the channel (after) ends the read.
        var line = await reader.ReadAnswerAsync(ct).WaitAsync(ct).ConfigureAwait(false);
        if (line is not null) return line;
        var (exitCode, stderr) = await channel.CompletionAsync(ct).ConfigureAwait(false);
        return NoAnswer(action, exitCode, stderr);
    }

    /// <summary>
    /// Step 1: an idle session, or a new one; neither (sessions off or all busy, or an agent without them) when the
    /// call is to open a channel of its own. Only the session line is written on a new one, so falling back to a
    /// channel of its own never sends a request twice. A server that cannot be reached, or an agent that ends without
    /// answering the session line (a broken config), is the call's error, in the sentences a single request gets.
    /// </summary>
    private async Task<(HostSession? Session, DockerError? Error)> SessionAsync(string action, CancellationToken ct)
    {
        var (idle, mayOpen) = await sessions.TakeAsync().ConfigureAwait(false);
        if (idle is not null) return (idle, null);
        if (!mayOpen) return (null, null);
        IHostChannel? channel = null;
        HostSession? session = null;
        try
        {
            var (open, unreachable) = await OpenAsync(action, ct).ConfigureAwait(false);
            if (open is null) return (null, unreachable);
            channel = open;
            await channel.Input.WriteAsync(SessionLine, ct).ConfigureAwait(false);
            await channel.Input.FlushAsync(ct).ConfigureAwait(false);
            var reader = new LineReader(channel.Output, Options.MaxAnswerBytes);
            var exchanged = await AnswerAsync(channel, reader, action, ct).ConfigureAwait(false);
            if (!exchanged.TryGetValue(out var line, out var noAnswer)) return (null, noAnswer);
            var answer = Parse(line, HostJson.Default.HostAnswer, action, out var unreadable);
            if (answer is null) return (null, unreadable);
            if (!answer.Ok)
            {
                if (answer.Refused == true)
                {
                    sessions.Refused = true;
                    Options.Debug?.Invoke($"{Description} runs a baton host without sessions ({answer.Message?.TrimEnd('.')}); each call there opens a channel of its own.");
                }
                return (null, null);
            }
            session = new HostSession(channel, reader);
            return (session, null);
        }
        finally
        {
            if (session is null)
            {
                sessions.Release();
                if (channel is not null) await channel.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>Opens a channel; a server that cannot be reached is an error naming it (a tuple: DockerResult cannot hold an interface).</summary>
    internal async Task<(IHostChannel? Channel, DockerError? Error)> OpenAsync(string action, CancellationToken ct)
    {
        try
        {
            return (await transport.OpenAsync(ct).ConfigureAwait(false), null);
        }
        catch (HostUnreachableException e)
        {
            return (null, new DockerError(DockerErrorKind.EngineUnreachable, $"Could not {action} on {Description}: {e.Message.TrimEnd('.')}."));
        }
    }

    internal DockerError NoAnswer(string action, int exitCode, string stderr)
    {
        var why = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault();
        return new DockerError(DockerErrorKind.EngineUnreachable,
            $"{Description} gave no answer when asked to {action} (baton host exited with code {exitCode}{(why is null ? "" : ": " + why.TrimEnd('.'))}).");
    }

    /// <summary>Closes the idle session channels (their agents end); busy ones close when their call ends.</summary>
    public ValueTask DisposeAsync() => sessions.DisposeAsync();

    public void Dispose() => sessions.DisposeAsync().AsTask().GetAwaiter().GetResult();
}
