using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Baton.Docker;
using Baton.Hosts.Protocol;

namespace Baton.Hosts.Remote;

/// <summary>
/// An app server's engine, reached through its <c>baton host</c> program over an <see cref="IHostTransport"/>
/// (SSH in production, a local process in tests). Each call opens a channel, writes one request, closes its
/// input and reads one answer. Every failure is a value whose sentence names the server; one that never
/// reached the engine (no connection, a broken channel, no answer in time) is <see cref="DockerErrorKind.EngineUnreachable"/>.
/// </summary>
public sealed class RemoteEngine : IContainerEngine
{
    private readonly IHostTransport transport;

    public RemoteEngine(IHostTransport transport, RemoteEngineOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(transport);
        this.transport = transport;
        Options = options ?? new RemoteEngineOptions();
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
    /// Opens a channel, writes the request, closes the input and reads the first answer line.
    /// 1. Open (a <see cref="HostUnreachableException"/> is an unreachable engine).
    /// 2. Write the request line and close the input, so the agent sees its end.
    /// 3. Read the first line that is not a heartbeat; none at all: the agent's exit code and standard error say why.
    /// </summary>
    private async Task<DockerResult<byte[]>> ExchangeAsync(HostRequest request, string action, TimeSpan? timeout, CancellationToken ct)
    {
        var limit = timeout ?? Options.RequestTimeout;
        using var deadline = limit == Timeout.InfiniteTimeSpan ? new CancellationTokenSource() : new CancellationTokenSource(limit, Options.TimeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, deadline.Token);
        try
        {
            // Step 1
            var (open, unreachable) = await OpenAsync(action, linked.Token).ConfigureAwait(false);
            if (open is null) return unreachable!;
            await using (open.ConfigureAwait(false))
            {
                // Step 2
                await open.Input.WriteAsync(HostJson.Line(request, HostJson.Default.HostRequest), linked.Token).ConfigureAwait(false);
                await open.Input.FlushAsync(linked.Token).ConfigureAwait(false);
                open.Input.Close();
                // Step 3
                // SSH.NET's output pipe does not give up a read when asked to: on a link that went dead
                // (no reset, no answer) it would wait for TCP to time out, minutes later. The deadline
                // ends the wait here, and closing the channel (below) ends the read.
                var line = await new LineReader(open.Output, Options.MaxAnswerBytes).ReadAnswerAsync(linked.Token).WaitAsync(linked.Token).ConfigureAwait(false);
                if (line is not null) return line;
                var (exitCode, stderr) = await open.CompletionAsync(linked.Token).ConfigureAwait(false);
                return NoAnswer(action, exitCode, stderr);
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
}
