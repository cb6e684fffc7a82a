using System.Net;
using Baton.Router.Targets;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Yarp.ReverseProxy.Forwarder;
using YarpError = Yarp.ReverseProxy.Forwarder.ForwarderError;

namespace Baton.Router.Forwarding;

/// <summary>
/// Sends one client request to one target and streams the answer back. HTTP requests go through
/// YARP's <see cref="IHttpForwarder"/>; WebSocket upgrades go through Baton's
/// <see cref="WebSocketRelay"/>, which can close both sides with 1001 at a drain deadline where
/// YARP's opaque tunnel could only cut the connection. Both share the one pooled client and the
/// same <see cref="TargetTransformer"/>.
/// </summary>
public sealed class TargetForwarder : IDisposable
{
    /// <summary>
    /// HTTP/1.1 to targets, as before YARP. No activity timeout: the response deadline is Baton's
    /// own (<see cref="ResponseDeadline"/>), and a body may stream as long as it lasts.
    /// </summary>
    private static readonly ForwarderRequestConfig Config = new()
    {
        ActivityTimeout = Timeout.InfiniteTimeSpan,
        Version = HttpVersion.Version11,
        VersionPolicy = HttpVersionPolicy.RequestVersionOrLower,
    };

    private readonly HttpMessageInvoker _client;
    private readonly IHttpForwarder _forwarder;
    private readonly ServiceProvider _services;

    public TargetForwarder(TimeSpan connectTimeout, ILoggerFactory loggerFactory, TimeProvider time)
    {
        _client = ForwarderClient.Create(connectTimeout);
        _services = new ServiceCollection()
            .AddSingleton(loggerFactory)
            .AddSingleton(typeof(ILogger<>), typeof(Logger<>))
            .AddSingleton(time)
            .AddHttpForwarder()
            .BuildServiceProvider();
        _forwarder = _services.GetRequiredService<IHttpForwarder>();
    }

    /// <summary>How header values cross (<see cref="ForwarderClient.HeaderEncoding"/>); the public listener's Kestrel must use the same.</summary>
    public static System.Text.Encoding HeaderEncoding => ForwarderClient.HeaderEncoding;

    /// <summary>
    /// Looks at a request's upgrade once, before its first attempt. True for a request the WebSocket
    /// relay carries: an HTTP/1.1 upgrade to <c>websocket</c>. Another upgrade (<c>Upgrade: h2c</c>, or
    /// <c>Connection: upgrade</c> alone) goes on as a plain request without a body: Kestrel refused any
    /// body with it, and what it would offer as the body is the raw connection, which must not be sent on.
    /// </summary>
    internal static bool PrepareUpgrade(HttpContext context)
    {
        if (context.Features.Get<IHttpUpgradeFeature>() is not { IsUpgradableRequest: true }) return false;
        if (AsksForWebSocket(context)) return true;
        context.Features.Set<IHttpRequestBodyDetectionFeature>(NoBody.Instance);
        return false;
    }

    private static bool AsksForWebSocket(HttpContext context) =>
        context.Request.Headers.Upgrade.ToString().Equals("websocket", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// One attempt of an HTTP request, through YARP. The caller awaits YARP's own task and hands its
    /// error to <see cref="Result"/>: no state machine of Baton's sits between the two for every request.
    /// </summary>
    internal ValueTask<YarpError> ForwardAsync(HttpContext context, TargetTransformer transformer)
    {
        transformer.Deadline.Arm();
        return _forwarder.SendAsync(context, transformer.Target.Prefix, _client, Config, transformer, transformer.Deadline.Token);
    }

    /// <summary>What an attempt made by <see cref="ForwardAsync"/> came to.</summary>
    internal static ForwardResult Result(HttpContext context, TargetTransformer transformer, YarpError error)
    {
        if (error == YarpError.None) return ForwardResult.Ok;
        var exception = context.Features.Get<IForwarderErrorFeature>()?.Exception;
        return Classify(error, exception, context.RequestAborted.IsCancellationRequested, transformer.Deadline.Expired);
    }

    /// <summary>Maps YARP's error to where it happened, the one distinction the router acts on.</summary>
    private static ForwardResult Classify(YarpError error, Exception? exception, bool clientGone, bool deadlineExpired)
    {
        switch (error)
        {
            case YarpError.Request when IsConnectFailure(exception):
            // With no activity timeout, YARP's only timeout before an answer is the handler's connect timeout.
            case YarpError.RequestTimedOut:
                // Nothing was sent: the connection never opened.
                return new ForwardResult(ForwarderError.Connect);
            case YarpError.RequestCanceled or YarpError.RequestBodyCanceled or YarpError.RequestBodyDestination or YarpError.Request when !clientGone && deadlineExpired:
                return new ForwardResult(ForwarderError.Timeout, true);
            case YarpError.RequestCanceled or YarpError.RequestBodyCanceled or YarpError.ResponseBodyCanceled or YarpError.UpgradeRequestCanceled or YarpError.UpgradeResponseCanceled:
                return new ForwardResult(ForwarderError.Canceled, true);
            case YarpError.RequestBodyClient:
                return new ForwardResult(clientGone ? ForwarderError.Canceled : ForwarderError.RequestBodyClient, true);
            case YarpError.ResponseBodyDestination or YarpError.UpgradeResponseDestination:
                return new ForwardResult(ForwarderError.ResponseBodyTarget, true);
            case YarpError.ResponseBodyClient or YarpError.UpgradeRequestClient or YarpError.UpgradeResponseClient:
                return new ForwardResult(ForwarderError.ResponseBodyClient, true);
            default:
                return new ForwardResult(clientGone ? ForwarderError.Canceled : ForwarderError.Target, true);
        }
    }

    private static bool IsConnectFailure(Exception? e) =>
        e is HttpRequestException { HttpRequestError: HttpRequestError.ConnectionError };

    /// <summary>
    /// One attempt of a WebSocket upgrade (<see cref="PrepareUpgrade"/> said true). Steps: 1. build
    /// the upgrade request with the shared transformer; 2. send it; 3. on 101, take over both
    /// connections and relay messages until one side closes or the target's drain deadline closes
    /// both with 1001; any other status is an ordinary answer.
    /// </summary>
    internal async ValueTask<ForwardResult> RelayWebSocketAsync(HttpContext context, TargetTransformer transformer)
    {
        var target = transformer.Target;
        var aborted = context.RequestAborted;
        transformer.Deadline.Arm();
        // Step 1
        using var request = new HttpRequestMessage(HttpMethod.Get, (Uri?)null)
        {
            Version = HttpVersion.Version11,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        transformer.Apply(context, request);
        request.Headers.TryAddWithoutValidation("Connection", "Upgrade");
        request.Headers.TryAddWithoutValidation("Upgrade", "websocket");

        // Step 2
        HttpResponseMessage response;
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(aborted, transformer.Deadline.Token);
        try
        {
            response = await _client.SendAsync(request, linked.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is HttpRequestException or OperationCanceledException or IOException)
        {
            if (aborted.IsCancellationRequested) return new ForwardResult(ForwarderError.Canceled);
            if (transformer.Deadline.Expired) return new ForwardResult(ForwarderError.Timeout);
            bool connectFailed = IsConnectFailure(e) || e is OperationCanceledException; // the only other cancellation is the connect timeout
            return new ForwardResult(connectFailed ? ForwarderError.Connect : ForwarderError.Target);
        }
        transformer.Deadline.Disarm();

        using (response)
        {
            var outgoing = context.Response;
            outgoing.StatusCode = (int)response.StatusCode;
            bool switched = response.StatusCode == HttpStatusCode.SwitchingProtocols;
            TargetTransformer.CopyResponseHeaders(response, outgoing.Headers, keepUpgrade: switched);
            if (!switched)
            {
                try
                {
                    await response.Content.CopyToAsync(outgoing.Body, aborted).ConfigureAwait(false);
                    return ForwardResult.Ok;
                }
                catch (Exception e) when (e is HttpRequestException or IOException or OperationCanceledException)
                {
                    return new ForwardResult(aborted.IsCancellationRequested ? ForwarderError.ResponseBodyClient : ForwarderError.ResponseBodyTarget, true);
                }
            }

            // Step 3
            var targetStream = await response.Content.ReadAsStreamAsync(aborted).ConfigureAwait(false);
            Stream clientStream;
            try
            {
                clientStream = await context.Features.Get<IHttpUpgradeFeature>()!.UpgradeAsync().ConfigureAwait(false);
            }
            catch (Exception e) when (e is IOException or InvalidOperationException)
            {
                return new ForwardResult(ForwarderError.ResponseBodyClient, true);
            }
            var subProtocol = response.Headers.TryGetValues("Sec-WebSocket-Protocol", out var p) ? p.FirstOrDefault() : null;
            await using (clientStream.ConfigureAwait(false))
            await using (targetStream.ConfigureAwait(false))
                await WebSocketRelay.RunAsync(clientStream, targetStream, subProtocol, aborted, target.StreamsClosing).ConfigureAwait(false);
            return ForwardResult.Ok;
        }
    }

    private sealed class NoBody : IHttpRequestBodyDetectionFeature
    {
        public static readonly NoBody Instance = new();

        public bool CanHaveBody => false;
    }

    public void Dispose()
    {
        _client.Dispose();
        _services.Dispose();
    }
}
