using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Baton.Contracts;
using Baton.Deploy;
using Baton.Deploy.Rollouts;

namespace Baton.Server.RouterLink;

/// <summary>
/// The router as the controller process reaches it: one POST on the router's control socket per
/// call (<see cref="RouterLinkApi"/>). A call made while the router process is being replaced
/// waits for the new one (a few seconds; up to a minute on a loaded machine); a router that stays away is
/// <see cref="RouterUnavailableException"/>, one sentence.
/// </summary>
internal sealed class RemoteRouter : IRouterAccess, IDisposable
{
    /// <summary>
    /// How long a call keeps trying to connect while no router process listens: one is being
    /// started (after a crash, or in a handover, where the old one stops taking calls before the new
    /// one starts). A new router took 10 s and more to start at a load average of 45.
    /// </summary>
    private static readonly TimeSpan ConnectPatience = TimeSpan.FromSeconds(60);

    private readonly string _who;
    private readonly HttpClient _client;
    private readonly RouterLinkJson _json = RouterLinkJson.Default;

    /// <summary>The router process of this machine, on its control socket.</summary>
    public RemoteRouter(string socketPath) : this($"The router process on {socketPath}", (_, ct) => ConnectUnixAsync(socketPath, ct))
    {
    }

    /// <summary>
    /// A router reached by <paramref name="connect"/>: each call opens one stream to its control
    /// socket (an SSH channel to <c>baton router link</c> on a router host) and speaks the same HTTP on it.
    /// </summary>
    /// <param name="who">The router in sentences, e.g. <c>The router r2 (baton@10.200.0.1:22)</c>.</param>
    /// <param name="keepConnections">Reuse a connection for later calls (an SSH link: opening one starts a program on the
    /// router host, which would put its start-up time between the routers' commits). Without, each call gets a new one.</param>
    public RemoteRouter(string who, Func<SocketsHttpConnectionContext, CancellationToken, ValueTask<Stream>> connect, bool keepConnections = false)
    {
        _who = who;
        _client = new HttpClient(new SocketsHttpHandler
        {
            UseProxy = false,
            // Without keepConnections each call on a new connection: after a router restart the next call reaches the new
            // process. A kept link follows a restart too: the old router closes its connections, which ends the link.
            PooledConnectionLifetime = keepConnections ? TimeSpan.FromMinutes(1) : TimeSpan.Zero,
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(30),
            ConnectCallback = connect,
        })
        {
            BaseAddress = new Uri("http://router/"),
            Timeout = Timeout.InfiniteTimeSpan, // a stage waits for health checks; the caller's token bounds it
        };
    }

    private static async ValueTask<Stream> ConnectUnixAsync(string path, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + ConnectPatience;
        while (true)
        {
            var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            try
            {
                await socket.ConnectAsync(new UnixDomainSocketEndPoint(path), ct).ConfigureAwait(false);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch (SocketException e) when (e.SocketErrorCode is SocketError.ConnectionRefused or SocketError.AddressNotAvailable or SocketError.AddressFamilyNotSupported || File.Exists(path) == false)
            {
                socket.Dispose();
                if (DateTime.UtcNow >= deadline)
                    throw new RouterUnavailableException($"The router process does not answer on {path} ({e.Message}); public traffic is its own, but the controller cannot change routes until it is back.");
                await Task.Delay(100, ct).ConfigureAwait(false);
            }
        }
    }

    private async Task<TOut?> CallAsync<TIn, TOut>(string name, TIn message, JsonTypeInfo<TIn> input, JsonTypeInfo<TOut> output, CancellationToken ct)
    {
        using var response = await SendAsync(name, JsonContent.Create(message, input), ct).ConfigureAwait(false);
        return await response.Content.ReadFromJsonAsync(output, ct).ConfigureAwait(false);
    }

    private TOut? Call<TIn, TOut>(string name, TIn message, JsonTypeInfo<TIn> input, JsonTypeInfo<TOut> output) =>
        Call(name, JsonContent.Create(message, input), body => JsonSerializer.Deserialize(body, output));

    /// <summary>One synchronous call: its answer's body read by <paramref name="read"/>.</summary>
    private T Call<T>(string name, HttpContent? content, Func<Stream, T> read)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"link/{name}") { Content = content };
        using var response = Send(request);
        using var body = response.Content.ReadAsStream();
        return read(body);
    }

    private async Task<HttpResponseMessage> SendAsync(string name, HttpContent content, CancellationToken ct, HttpCompletionOption completion = HttpCompletionOption.ResponseContentRead)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"link/{name}") { Content = content };
        try
        {
            return Checked(await _client.SendAsync(request, completion, ct).ConfigureAwait(false));
        }
        catch (HttpRequestException e)
        {
            throw Unavailable(e);
        }
    }

    private HttpResponseMessage Send(HttpRequestMessage request)
    {
        try
        {
            return Checked(_client.Send(request));
        }
        catch (HttpRequestException e)
        {
            throw Unavailable(e);
        }
    }

    /// <summary>A failed call as one sentence: the connect's own when no router listened, else that it stopped answering.</summary>
    private RouterUnavailableException Unavailable(HttpRequestException e) =>
        e.InnerException as RouterUnavailableException
        // The link's own sentence (SshLinkStream) names the router already.
        ?? (e.InnerException is IOException { Message: var said } && said.StartsWith(_who, StringComparison.Ordinal) ? new RouterUnavailableException(said + ".") : null)
        ?? new RouterUnavailableException($"{_who} stopped answering ({(e.InnerException is IOException io ? io.Message.TrimEnd('.') : e.Message.TrimEnd('.'))}).");

    /// <exception cref="InvalidOperationException">The router refused the call (409): its own sentence, as the in-process router throws it.</exception>
    private HttpResponseMessage Checked(HttpResponseMessage response)
    {
        if (response.IsSuccessStatusCode) return response;
        if (response.StatusCode == System.Net.HttpStatusCode.Conflict)
        {
            using var reader = new StreamReader(response.Content.ReadAsStream());
            var refusal = reader.ReadToEnd();
            response.Dispose();
            throw new InvalidOperationException(refusal);
        }
        response.Dispose();
        throw new RouterUnavailableException($"{_who} refused a control call ({(int)response.StatusCode}); it may be another version of Baton.");
    }

    // IRouterControl: the deployer's calls.

    /// <summary>
    /// As the in-process router does, a stage its caller stops answers with a sentence, not an exception (the router
    /// drops the candidate when the call's connection ends): a multi-router stage stopped by another router's failure,
    /// or a warm standby no longer wanted at the end of a watch.
    /// </summary>
    public async Task<string?> StageAsync(string service, RouteSpec routes, string pool, IReadOnlyList<string> targets, TimeSpan deployTimeout, CancellationToken cancellationToken, bool standby = false, string? release = null)
    {
        try
        {
            return (await CallAsync("stage", new LinkStage(service, routes, pool, targets, deployTimeout, standby, release), _json.LinkStage, _json.LinkAnswer, cancellationToken).ConfigureAwait(false))?.Error;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return $"{_who} was told to stop waiting for the new targets of {service} to turn healthy; the live release was not touched.";
        }
    }

    public IDrain Switch(string service) => new Drain(this, Call("switch", new LinkService(service), _json.LinkService, _json.LinkDrain)!);

    public void DropCandidate(string service) => Call("drop", new LinkService(service), _json.LinkService, _json.LinkAnswer);

    public IDrain RetireCandidate(string service) => new Drain(this, Call("retire", new LinkService(service), _json.LinkService, _json.LinkDrain)!);

    public IDrain Merge(string service, IReadOnlyCollection<string> remove, bool addCandidate, string? poolName) =>
        new Drain(this, Call("merge", new LinkMerge(service, remove.ToList(), addCandidate, poolName), _json.LinkMerge, _json.LinkDrain)!);

    public string? SetCanary(string service, double percent) => Call("canary", new LinkShare(service, percent), _json.LinkShare, _json.LinkAnswer)?.Error;

    public double CanaryPercent(string service) => Call("canary-percent", new LinkService(service), _json.LinkService, _json.LinkPercent)?.Percent ?? 0;

    public PoolNumbers Numbers(string service, IReadOnlyCollection<string> targets, int seconds) =>
        Call("numbers", new LinkNumbers(service, targets.ToList(), seconds), _json.LinkNumbers, _json.PoolNumbers) ?? PoolNumbers.None;

    public LivePool? Live(string service) => Call("live", new LinkService(service), _json.LinkService, _json.LinkLive)?.Live;

    public (Uri? StagingUrl, string? StagingHost) Staging(string service, string pool)
    {
        var answer = Call("staging", new LinkStaging(service, pool), _json.LinkStaging, _json.LinkStagingAnswer);
        return (answer?.Url is { } url ? new Uri(url) : null, answer?.Host);
    }

    // IRouterAccess: the admin API's calls.

    public bool Routes(string service) => Call("routes", new LinkService(service), _json.LinkService, _json.LinkAnswer)?.Yes ?? false;

    public string? RouteConflict(string service, IReadOnlyList<string> hosts, string path, string staging) =>
        Call("route-conflict", new LinkRoutes(service, hosts, path, staging), _json.LinkRoutes, _json.LinkAnswer)?.Error;

    public async Task<string?> RemoveAsync(string service, bool waitForDrain) =>
        (await CallAsync("remove", new LinkRemove(service, waitForDrain), _json.LinkRemove, _json.LinkAnswer, CancellationToken.None).ConfigureAwait(false))?.Error;

    public StatusResponse Status() => Call("status", null, body => JsonSerializer.Deserialize(body, _json.StatusResponse)!);

    public ServiceStatus? Status(string service) => Call("status-of", new LinkService(service), _json.LinkService, _json.ServiceStatus);

    public string? Pause(string service, TimeSpan max) => Call("pause", new LinkPause(service, max), _json.LinkPause, _json.LinkAnswer)?.Error;

    public string? Resume(string service) => Call("resume", new LinkService(service), _json.LinkService, _json.LinkAnswer)?.Error;

    public string? Maintenance(string service, bool on, string? message) =>
        Call("maintenance", new LinkMaintenance(service, on, message), _json.LinkMaintenance, _json.LinkAnswer)?.Error;

    public string Metrics() => Call("metrics", null, body => new StreamReader(body).ReadToEnd());

    public RouterAnswerCounts AnswersOf(string service) =>
        Call("answers", new LinkService(service), _json.LinkService, _json.RouterAnswerCounts) ?? new RouterAnswerCounts(0, 0, 0, 0);

    public TrafficResponse? Traffic(string service) => Call("traffic", new LinkService(service), _json.LinkService, _json.TrafficResponse);

    public RouterProcessResponse Process(string? message = null) =>
        Call("process", null, body => JsonSerializer.Deserialize(body, _json.RouterProcessResponse)!) with { Message = message };

    public async Task<TargetsStart> StartTargetsAsync(string service, DeployRequest body, CancellationToken stopping)
    {
        var response = await SendAsync("targets", JsonContent.Create(new LinkTargets(service, body), _json.LinkTargets), CancellationToken.None, HttpCompletionOption.ResponseHeadersRead).ConfigureAwait(false);
        var reader = new StreamReader(await response.Content.ReadAsStreamAsync(CancellationToken.None).ConfigureAwait(false));
        var first = await ReadLineAsync(reader).ConfigureAwait(false);
        if (first is null || first.Kind != "begun")
        {
            reader.Dispose();
            response.Dispose();
            return TargetsStart.Refused(first?.Status is > 0 and var s ? s : 503, first?.Message ?? "The router process ended the deployment before it began.");
        }
        return new TargetsStart(0, null, async report =>
        {
            using (response)
            using (reader)
            {
                while (await ReadLineAsync(reader).ConfigureAwait(false) is { } line)
                {
                    if (line.Done) return line.Message;
                    report(line.Kind, line.Message ?? "");
                }
                return "The router process stopped during the deployment; `baton status` shows which targets serve.";
            }
        });
    }

    private async Task<LinkTargetsLine?> ReadLineAsync(StreamReader reader)
    {
        try
        {
            var text = await reader.ReadLineAsync().ConfigureAwait(false);
            return text is null ? null : JsonSerializer.Deserialize(text, _json.LinkTargetsLine);
        }
        catch (IOException)
        {
            return null;
        }
    }

    public void Dispose() => _client.Dispose();

    private sealed class Drain(RemoteRouter router, LinkDrain handle) : IDrain
    {
        public async Task<int> WaitAsync(CancellationToken cancellationToken) =>
            (await router.CallAsync("drain", handle, router._json.LinkDrain, router._json.LinkDrained, cancellationToken).ConfigureAwait(false))?.Closed ?? 0;
    }
}

/// <summary>The controller cannot reach the router process; the message is one sentence for the user.</summary>
internal sealed class RouterUnavailableException(string message) : RouterCallException(message);
