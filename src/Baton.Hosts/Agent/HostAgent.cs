using System.Text.Json.Serialization.Metadata;
using System.Text.RegularExpressions;
using Baton.Docker;
using Baton.Hosts.Protocol;

namespace Baton.Hosts.Agent;

/// <summary>
/// <c>baton host --config FILE</c>: the only program the controller can run on an app server (an SSH forced
/// command). It reads one request line from standard input, checks it against the host's config, runs it on the
/// local engine and writes the answer to standard output. Never a shell, never an option the config does not allow.
/// A first line <c>{"op":"session"}</c> makes it answer request lines one after another instead (see
/// <see cref="SessionAsync"/>): each goes through the same steps 1 to 5, so a session allows nothing more than as
/// many single requests would; it only saves starting a process per request.
/// </summary>
/// <remarks>
/// 1. Read one request line, at most <see cref="HostJson.MaxRequestBytes"/>.
/// 2. Parse it strictly (unknown fields refused) and check the operation, its arguments and their shapes.
/// 3. Connect to the local engine.
/// 4. Check the request against the config (a container's service, an image, volumes, network, ports), asking the
///    engine what it needs: an existing container is inspected first and refused unless it is of an allowed service.
/// 5. Run it and write one answer line (<c>events</c>: an answer, then one line per event until the client closes).
/// In a session, steps 1, 2, 4 and 5 are repeated for each line (step 3 once, when the first request needs it).
/// The exit code is 0 whenever an answer was written, a refusal included; 2 when there was no usable request.
/// </remarks>
public sealed partial class HostAgent
{
    /// <summary>The longest deadline a request may ask for (a pull of a large image, a long release task).</summary>
    private static readonly TimeSpan MaxTimeout = TimeSpan.FromHours(24);

    private const int MaxLabels = 16;

    private readonly HostPolicy policy;
    private readonly Func<CancellationToken, Task<DockerResult<IContainerEngine>>> connect;
    private readonly AgentLog log;
    private readonly TimeProvider time;
    private readonly TimeSpan idleTimeout;

    internal HostAgent(HostConfig config, Func<CancellationToken, Task<DockerResult<IContainerEngine>>> connect, AgentLog log, TimeProvider time, TimeSpan? idleTimeout = null)
    {
        policy = new HostPolicy(config);
        this.connect = connect;
        this.log = log;
        this.time = time;
        this.idleTimeout = idleTimeout ?? SessionIdleTimeout;
    }

    /// <summary>
    /// A session with no request for this long ends itself, so a controller that went away without closing its side
    /// leaves no agent behind. The controller stops using an idle session well before (<c>RemoteEngineOptions.SessionIdleTimeout</c>, 20 s).
    /// </summary>
    public static readonly TimeSpan SessionIdleTimeout = TimeSpan.FromSeconds(60);

    private HostConfig Config => policy.Config;

    /// <summary>Reads the config, then answers one request (or a session's); config errors go to <paramref name="error"/>, one sentence each, with exit code 2.</summary>
    public static async Task<int> RunAsync(string configPath, Stream input, Stream output, TextWriter error, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(error);
        var (config, errors) = HostConfigParser.Load(configPath);
        if (config is null)
        {
            foreach (var e in errors) await error.WriteLineAsync($"error: {e}").ConfigureAwait(false);
            return 2;
        }
        var agent = new HostAgent(config, async token =>
        {
            var connected = await DockerEngine.ConnectAsync(config.Docker, null, token).ConfigureAwait(false);
            return connected.TryGetValue(out var engine, out var failure) ? engine : failure;
        }, new AgentLog(config.LogPath, TimeProvider.System, error), TimeProvider.System);
        return await agent.RunAsync(input, output, error, ct).ConfigureAwait(false);
    }

    internal async Task<int> RunAsync(Stream input, Stream output, TextWriter error, CancellationToken ct)
    {
        // Step 1
        var reader = new RequestLine(input, HostJson.MaxRequestBytes);
        var (status, line, readError) = await reader.ReadAsync(ct).ConfigureAwait(false);
        if (status == RequestLineStatus.Empty)
        {
            await error.WriteLineAsync("error: no request arrived on standard input; baton host answers one JSON request line, which the controller sends over SSH.").ConfigureAwait(false);
            return 2;
        }
        if (status == RequestLineStatus.Unreadable)
        {
            await error.WriteLineAsync($"error: standard input could not be read: {readError?.TrimEnd('.')}.").ConfigureAwait(false);
            return 2;
        }
        using var writer = new AgentOutput(output, time);
        if (status == RequestLineStatus.TooLarge)
        {
            await AnswerAsync(writer, "-", TooLarge()).ConfigureAwait(false);
            return 0;
        }

        // Step 2
        var request = HostJson.ParseRequest(line, out var parseError);
        if (request is null)
        {
            await AnswerAsync(writer, "-", Refuse(parseError!)).ConfigureAwait(false);
            return 0;
        }
        if (ShapeRefusal(request) is { } shape)
        {
            await AnswerAsync(writer, HostPolicy.Shorten(request.Op), Refuse(shape)).ConfigureAwait(false);
            return 0;
        }
        if (request.Op == HostOps.Session)
        {
            await SessionAsync(reader, writer, ct).ConfigureAwait(false);
            return 0;
        }

        // Step 3
        var connected = await connect(ct).ConfigureAwait(false);
        if (!connected.TryGetValue(out var engine, out var engineError))
        {
            await AnswerAsync(writer, request.Op, Fail(engineError)).ConfigureAwait(false);
            return 0;
        }
        try
        {
            if (request.Op == HostOps.Events)
            {
                await StreamEventsAsync(engine, request, input, writer, ct).ConfigureAwait(false);
                return 0;
            }
            await RunOneAsync(engine, request, writer, ct).ConfigureAwait(false);
            return 0;
        }
        finally
        {
            (engine as IDisposable)?.Dispose();
        }
    }

    /// <summary>
    /// Steps 4 and 5 of one request, with a heartbeat so an operation whose client is gone (a wait with no deadline)
    /// ends. False when the client went away before the answer.
    /// </summary>
    private async Task<bool> RunOneAsync(IContainerEngine engine, HostRequest request, AgentOutput writer, CancellationToken ct)
    {
        using var running = CancellationTokenSource.CreateLinkedTokenSource(ct, writer.ClientGone);
        var heartbeat = writer.HeartbeatAsync(running.Token);
        Reply reply;
        try
        {
            reply = await HandleAsync(engine, request, running.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (writer.ClientGone.IsCancellationRequested)
        {
            log.Write(request.Op, null, request.Container, "abandoned: the client went away before the answer");
            return false;
        }
        finally
        {
            await running.CancelAsync().ConfigureAwait(false);
            await heartbeat.ConfigureAwait(false);
        }
        return await AnswerAsync(writer, request.Op, reply).ConfigureAwait(false);
    }

    /// <summary>
    /// A session: ok, then one request line after another, each read, parsed and checked exactly as the one request
    /// of a channel is (the same bound, the same strict parse, the same shape and policy checks, the same log line),
    /// and answered before the next is read. Only <c>events</c> is refused: a stream keeps a channel of its own.
    /// The session ends, exit code 0, when the input ends, when no request arrives for the idle bound
    /// (<see cref="SessionIdleTimeout"/>), when the client is gone, or after a line too large to read (refused
    /// unread, as a single one is: what follows it is not a request). One engine connection serves the session's
    /// requests; one that could not be made is tried again for the next request.
    /// </summary>
    private async Task SessionAsync(RequestLine reader, AgentOutput writer, CancellationToken ct)
    {
        if (!await writer.WriteAsync(HostJson.Line(HostAnswer.Success, HostJson.Default.HostAnswer)).ConfigureAwait(false)) return;
        log.Write(HostOps.Session, null, null, $"started (process {Environment.ProcessId})");
        IContainerEngine? engine = null;
        var answered = 0;
        string end;
        try
        {
            while (true)
            {
                RequestLineStatus status;
                byte[] line;
                string? readError;
                try
                {
                    (status, line, readError) = await reader.ReadAsync(ct).WaitAsync(idleTimeout, time, ct).ConfigureAwait(false);
                }
                catch (TimeoutException)
                {
                    // The read stays pending (standard input does not give one up); the process ends with the session.
                    end = $"ended: no request for {idleTimeout.TotalSeconds:0.#} s";
                    break;
                }
                if (status == RequestLineStatus.Empty)
                {
                    end = "ended: the client closed it";
                    break;
                }
                if (status == RequestLineStatus.Unreadable)
                {
                    end = $"ended: standard input could not be read: {readError?.TrimEnd('.')}";
                    break;
                }
                if (status == RequestLineStatus.TooLarge)
                {
                    await AnswerAsync(writer, "-", TooLarge()).ConfigureAwait(false);
                    end = "ended: a request too large to read";
                    break;
                }
                var request = HostJson.ParseRequest(line, out var parseError);
                var refusal = request is null ? parseError : SessionRefusal(request) ?? ShapeRefusal(request);
                bool answeredThis;
                if (refusal is not null)
                {
                    answeredThis = await AnswerAsync(writer, request is null ? "-" : HostPolicy.Shorten(request.Op), Refuse(refusal)).ConfigureAwait(false);
                }
                else if (engine is null && !(await connect(ct).ConfigureAwait(false)).TryGetValue(out engine, out var engineError))
                {
                    engine = null;
                    answeredThis = await AnswerAsync(writer, request!.Op, Fail(engineError)).ConfigureAwait(false);
                }
                else
                {
                    answeredThis = await RunOneAsync(engine!, request!, writer, ct).ConfigureAwait(false);
                }
                if (!answeredThis)
                {
                    end = "ended: the client went away";
                    break;
                }
                answered++;
            }
        }
        finally
        {
            (engine as IDisposable)?.Dispose();
        }
        log.Write(HostOps.Session, null, null, $"{end} after {answered} request{(answered == 1 ? "" : "s")}");
    }

    /// <summary>What a session does not take, on top of what no request may be.</summary>
    private static string? SessionRefusal(HostRequest r) => r.Op switch
    {
        HostOps.Events => "The operation events is not answered inside a session: an event stream needs a channel of its own.",
        HostOps.Session => "This channel is a session already; send the requests themselves, one line each.",
        _ => null,
    };

    /// <summary>Writes the answer and logs it; false when the client was gone before it.</summary>
    private async Task<bool> AnswerAsync(AgentOutput writer, string op, Reply reply)
    {
        var written = await writer.WriteAsync(reply.Line).ConfigureAwait(false);
        log.Write(op, reply.Service, reply.Container, written ? reply.Outcome : reply.Outcome + " (the client was gone before the answer)");
        return written;
    }

    private static Reply TooLarge() =>
        Refuse($"The request is larger than {HostJson.MaxRequestBytes / 1024 / 1024} MiB; Baton's requests are a few KiB, so it is refused unread.");

    /// <summary>The request's own shape: a known operation, only its arguments, each well formed. No engine needed.</summary>
    private static string? ShapeRefusal(HostRequest r)
    {
        if (!HostOps.Arguments.TryGetValue(r.Op, out var takes))
            return $"'{HostPolicy.Shorten(r.Op)}' is not an operation of baton host; it answers {string.Join(", ", HostOps.Arguments.Keys)}.";
        if (r.Carried().FirstOrDefault(a => !takes.Contains(a)) is { } extra)
            return $"The operation {r.Op} does not take '{extra}'; it takes {(takes.Length == 0 ? "nothing" : string.Join(", ", takes))}.";
        string? Needs(string argument, object? value) => value is null ? $"The operation {r.Op} needs '{argument}'." : null;
        var missing = r.Op switch
        {
            _ when HostOps.OnContainer(r.Op) => Needs("container", r.Container),
            HostOps.ImageInspect or HostOps.ImagePull => Needs("image", r.Image),
            HostOps.ContainerCreate => Needs("spec", r.Spec),
            HostOps.NetworkExists => Needs("network", r.Network),
            _ => null,
        };
        if (missing is not null) return missing;
        if (r.Container is { } c && !ContainerName().IsMatch(c))
            return $"'{HostPolicy.Shorten(c)}' is not a container name or id.";
        if (r.Image is { } image && !ImageRules.IsReference(image) && !ImageRules.IsId(image))
            return $"'{HostPolicy.Shorten(image)}' is not an image reference.";
        if (r.Lines is < 0 or > HostPolicy.MaxLogLines)
            return $"'lines' must be 0 to {HostPolicy.MaxLogLines:N0}, not {r.Lines}.";
        if (r.Timeout is { } t && (t < TimeSpan.Zero || t > MaxTimeout))
            return $"'timeout' must be between 0 and {MaxTimeout.TotalHours:0} hours, not {t}.";
        if (r.Signal is { } signal && !SignalName().IsMatch(signal))
            return $"'{HostPolicy.Shorten(signal)}' is not a signal (e.g. SIGTERM, SIGKILL, 15).";
        if (r.Network is { } network && !ContainerName().IsMatch(network))
            return $"'{HostPolicy.Shorten(network)}' is not a network name.";
        if (r.Labels is { Count: > MaxLabels })
            return $"A request may filter by at most {MaxLabels} labels, not {r.Labels.Count}.";
        if (r.Labels?.FirstOrDefault(l => !LabelFilter().IsMatch(l)) is { } label)
            return $"'{HostPolicy.Shorten(label)}' is not a label filter (key or key=value).";
        if (r.Spec is { } spec && (spec.Ports?.Count > 64 || spec.Settings?.Volumes?.Count > 64))
            return "A container may publish at most 64 ports and mount at most 64 volumes here.";
        return null;
    }

    private async Task<Reply> HandleAsync(IContainerEngine engine, HostRequest r, CancellationToken ct)
    {
        switch (r.Op)
        {
            case HostOps.Ping:
                return Ok(new HostInfo
                {
                    Name = Config.Name,
                    Protocol = HostOps.ProtocolVersion,
                    EngineVersion = (engine as DockerEngine)?.EngineVersion ?? "",
                    ApiVersion = (engine as DockerEngine)?.ApiVersion.ToString() ?? "",
                    Address = Config.Address,
                    Services = [.. Config.Services.Select(s => s.Text)],
                    Images = Config.Images,
                    Networks = [.. Config.Networks, .. Config.HostNetwork ? [ContainerSpec.HostNetwork] : Array.Empty<string>()],
                    Volumes = [.. Config.NamedVolumes.Select(v => v.Text), .. Config.HostPaths],
                }, HostJson.Default.HostAnswerHostInfo);
            case HostOps.ImageInspect:
            {
                var (refusal, error) = await ImageRefusalAsync(engine, r.Image!, ct).ConfigureAwait(false);
                if (error is not null) return Fail(error, container: r.Image);
                if (refusal is not null) return Refuse(refusal, container: r.Image);
                var inspected = await engine.Images.InspectAsync(r.Image!, ct).ConfigureAwait(false);
                return inspected.TryGetValue(out var image, out var failure) ? Ok(image, HostJson.Default.HostAnswerImageInfo, container: r.Image) : Fail(failure, container: r.Image);
            }
            case HostOps.ImagePull:
            {
                // Ids cannot be pulled; only the prefixes count.
                if (policy.ImageRefusal(r.Image!) is { } refusal) return Refuse(refusal, container: r.Image);
                var pulled = await engine.Images.PullAsync(r.Image!, r.Credentials?.ToCredentials(), null, r.Timeout, ct).ConfigureAwait(false);
                return pulled.TryGetValue(out var image, out var failure) ? Ok(image, HostJson.Default.HostAnswerImageInfo, container: r.Image) : Fail(failure, container: r.Image);
            }
            case HostOps.ContainerCreate:
                return await CreateAsync(engine, r.Spec!.ToSpec(), ct).ConfigureAwait(false);
            case HostOps.ContainerList:
            {
                var listed = await engine.Containers.ListAsync(ServiceFilter(r.Labels), ct).ConfigureAwait(false);
                if (!listed.TryGetValue(out var all, out var failure)) return Fail(failure);
                List<ContainerSummary> mine = [.. all.Where(c => policy.AllowsService(c.Labels.GetValueOrDefault(HostPolicy.ServiceLabel)))];
                return Ok(mine, HostJson.Default.HostAnswerListContainerSummary, outcome: $"ok: {mine.Count} container{(mine.Count == 1 ? "" : "s")}");
            }
            case HostOps.NetworkExists:
            {
                if (policy.NetworkRefusal(r.Network) is { } refusal) return Refuse(refusal);
                var exists = await engine.NetworkExistsAsync(r.Network!, ct).ConfigureAwait(false);
                return exists.IsSuccess ? Ok() : Fail(exists.Error);
            }
            default:
                return await OnContainerAsync(engine, r, ct).ConfigureAwait(false);
        }
    }

    private async Task<Reply> CreateAsync(IContainerEngine engine, ContainerSpec spec, CancellationToken ct)
    {
        var service = spec.Labels.GetValueOrDefault(HostPolicy.ServiceLabel);
        var checkedSpec = policy.CheckCreate(spec, out var refusal);
        if (checkedSpec is null) return Refuse(refusal!, service, spec.Name);
        var (imageRefusal, imageError) = await ImageRefusalAsync(engine, spec.Image, ct).ConfigureAwait(false);
        if (imageError is not null) return Fail(imageError, service, spec.Name);
        if (imageRefusal is not null) return Refuse(imageRefusal, service, spec.Name);
        var created = await engine.Containers.CreateAsync(checkedSpec, ct).ConfigureAwait(false);
        return created.TryGetValue(out var id, out var failure)
            ? Ok(id, HostJson.Default.HostAnswerString, service, spec.Name ?? id, $"ok: created {id[..Math.Min(12, id.Length)]}")
            : Fail(failure, service, spec.Name);
    }

    /// <summary>Every act on an existing container: inspect it, refuse it unless it is of an allowed service, then act on its id (not the name, which could be re-pointed in between).</summary>
    private async Task<Reply> OnContainerAsync(IContainerEngine engine, HostRequest r, CancellationToken ct)
    {
        var inspected = await engine.Containers.InspectAsync(r.Container!, ct).ConfigureAwait(false);
        if (!inspected.TryGetValue(out var info, out var notFound)) return Fail(notFound, container: r.Container);
        var service = info.Labels.GetValueOrDefault(HostPolicy.ServiceLabel);
        if (policy.ContainerRefusal(r.Container!, info.Labels) is { } refusal) return Refuse(refusal, service, info.Name);
        var id = info.Id;
        DockerResult done;
        switch (r.Op)
        {
            case HostOps.ContainerInspect:
                return Ok(info, HostJson.Default.HostAnswerContainerInfo, service, info.Name);
            case HostOps.ContainerLogs:
            {
                var logs = r.Timestamps == true || r.Since is not null
                    ? await engine.Containers.TimestampedLogsAsync(id, r.Lines ?? 100, r.Since, ct).ConfigureAwait(false)
                    : await engine.Containers.LogsAsync(id, r.Lines ?? 100, ct).ConfigureAwait(false);
                return logs.TryGetValue(out var text, out var failure) ? Ok(text, HostJson.Default.HostAnswerString, service, info.Name) : Fail(failure, service, info.Name);
            }
            case HostOps.ContainerWait:
            {
                var waited = await engine.Containers.WaitAsync(id, r.Timeout, ct).ConfigureAwait(false);
                return waited.TryGetValue(out var code, out var failure)
                    ? Ok(code, HostJson.Default.HostAnswerInt64, service, info.Name, $"ok: exit code {code}")
                    : Fail(failure, service, info.Name);
            }
            case HostOps.ContainerStart:
                done = await engine.Containers.StartAsync(id, ct).ConfigureAwait(false);
                break;
            case HostOps.ContainerStop:
                done = await engine.Containers.StopAsync(id, r.Timeout, ct).ConfigureAwait(false);
                break;
            case HostOps.ContainerKill:
                done = await engine.Containers.KillAsync(id, r.Signal ?? "SIGKILL", ct).ConfigureAwait(false);
                break;
            case HostOps.ContainerRemove:
                done = await engine.Containers.RemoveAsync(id, r.Force ?? false, ct).ConfigureAwait(false);
                break;
            default:
                throw new InvalidOperationException($"Operation {r.Op} has no handler.");
        }
        return done.IsSuccess ? Ok(service, info.Name) : Fail(done.Error, service, info.Name);
    }

    /// <summary>Events of this host's services only: the engine filters by the service label, the agent drops any other service's.</summary>
    private async Task StreamEventsAsync(IContainerEngine engine, HostRequest r, Stream input, AgentOutput writer, CancellationToken ct)
    {
        var subscribed = await engine.Events.SubscribeAsync(ServiceFilter(r.Labels), r.Since, ct).ConfigureAwait(false);
        if (!subscribed.TryGetValue(out var subscription, out var failure))
        {
            await AnswerAsync(writer, r.Op, Fail(failure)).ConfigureAwait(false);
            return;
        }
        await using (((IAsyncDisposable)subscription).ConfigureAwait(false))
        {
            if (!await writer.WriteAsync(HostJson.Line(HostAnswer.Success, HostJson.Default.HostAnswer)).ConfigureAwait(false)) return;
            log.Write(r.Op, null, null, "started");
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct, writer.ClientGone);
            // The client ends the stream by closing its side (its input is our standard input).
            _ = RequestLine.DrainAsync(input, stop.Token).ContinueWith(_ => stop.Cancel(), CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
            var heartbeat = writer.HeartbeatAsync(stop.Token);
            var outcome = "ended: the client closed the stream";
            var sent = 0;
            try
            {
                await foreach (var e in subscription.WithCancellation(stop.Token).ConfigureAwait(false))
                {
                    if (!policy.AllowsService(e.Attributes.GetValueOrDefault(HostPolicy.ServiceLabel))) continue;
                    if (!await writer.WriteAsync(HostJson.Line(new EventLine { Event = e }, HostJson.Default.EventLine)).ConfigureAwait(false)) break;
                    sent++;
                }
                if (!stop.IsCancellationRequested)
                {
                    var f = subscription.Failure;
                    await writer.WriteAsync(HostJson.Line(new EventLine { End = true, Error = f?.Kind, Message = f?.Message }, HostJson.Default.EventLine)).ConfigureAwait(false);
                    outcome = f is null ? "ended: the engine closed the stream" : $"error {f.Kind}: {f.Message}";
                }
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
            }
            await stop.CancelAsync().ConfigureAwait(false);
            await heartbeat.ConfigureAwait(false);
            log.Write(r.Op, null, null, $"{outcome} ({sent} event{(sent == 1 ? "" : "s")} sent)");
        }
    }

    /// <summary>Checks an image; an id is looked up so its tags and digests can be checked instead.</summary>
    private async Task<(string? Refusal, DockerError? Error)> ImageRefusalAsync(IContainerEngine engine, string image, CancellationToken ct)
    {
        var refusal = policy.ImageRefusal(image);
        if (refusal is null || !ImageRules.IsId(image)) return (refusal, null);
        var inspected = await engine.Images.InspectAsync(image, ct).ConfigureAwait(false);
        if (!inspected.TryGetValue(out var info, out var error)) return (null, error);
        return (policy.ImageRefusal(image, [.. info.RepoTags, .. info.RepoDigests]), null);
    }

    /// <summary>The caller's label filters, with the service label always among them.</summary>
    private static List<string> ServiceFilter(List<string>? labels)
    {
        var filter = labels is null ? [] : new List<string>(labels);
        if (!filter.Any(l => l == HostPolicy.ServiceLabel || l.StartsWith(HostPolicy.ServiceLabel + "=", StringComparison.Ordinal)))
            filter.Add(HostPolicy.ServiceLabel);
        return filter;
    }

    private sealed record Reply(byte[] Line, string Outcome, string? Service, string? Container);

    private static Reply Ok(string? service = null, string? container = null) =>
        new(HostJson.Line(HostAnswer.Success, HostJson.Default.HostAnswer), "ok", service, container);

    private static Reply Ok<T>(T value, JsonTypeInfo<HostAnswer<T>> type, string? service = null, string? container = null, string outcome = "ok") =>
        new(HostJson.Line(new HostAnswer<T> { Ok = true, Value = value }, type), outcome, service, container);

    private static Reply Refuse(string message, string? service = null, string? container = null) =>
        new(HostJson.Line(HostAnswer.Refusal(message), HostJson.Default.HostAnswer), "refused: " + message, service, container);

    private static Reply Fail(DockerError error, string? service = null, string? container = null) =>
        new(HostJson.Line(HostAnswer.Failure(error), HostJson.Default.HostAnswer), $"error {error.Kind}: {error.Message}", service, container);

    [GeneratedRegex(@"^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$")]
    private static partial Regex ContainerName();

    [GeneratedRegex(@"^[A-Z0-9+-]{1,16}$")]
    private static partial Regex SignalName();

    [GeneratedRegex(@"^[A-Za-z0-9._/-]{1,128}(=[^\x00-\x1f\x7f]{0,256})?$")]
    private static partial Regex LabelFilter();
}
