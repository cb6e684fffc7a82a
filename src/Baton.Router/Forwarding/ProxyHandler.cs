using System.Diagnostics;
using System.Text;
using Baton.Router.Listeners;
using Baton.Router.Logging;
using Baton.Router.Metrics;
using Baton.Router.Routing;
using Baton.Router.Targets;
using Baton.Contracts;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Yarp.ReverseProxy.Forwarder;
using Microsoft.Extensions.Logging;

namespace Baton.Router.Forwarding;

/// <summary>
/// The request path of the router: one request from Kestrel to a target and back.
/// </summary>
/// <param name="requestLog">The request log; null when it is off (then the request path pays one null check for it).</param>
public sealed partial class ProxyHandler(RoutingState state, TargetForwarder forwarder, RouterOptions options, RouterCounters counters, ILogger<ProxyHandler> logger,
    RequestLog? requestLog = null)
{
    private volatile bool _closeConnections;

    /// <summary>
    /// Set while this router process hands over to a new one: every HTTP/1.x answer carries
    /// <c>Connection: close</c>, so kept-alive clients reconnect rather than keep a connection this
    /// process will close. HTTP/2 clients get Kestrel's GOAWAY when it stops.
    /// </summary>
    public bool CloseConnections { get => _closeConnections; set => _closeConnections = value; }

    /// <summary>The answers of the ACME http-01 challenges in progress; null when automatic HTTPS is off.</summary>
    public Baton.Acme.Issuance.ChallengeResponses? Challenges { get; set; }

    /// <summary>The port of the TLS listener, where <c>https_redirect</c> sends clients; null: no TLS listener (no redirect).</summary>
    public int? HttpsPort { get; set; }

    /// <summary>
    /// Steps: 0. give the request its id (<see cref="RequestId"/>: the client's own or a new one),
    /// on the answer too, and start its log record when it is sampled; on the staging listener,
    /// refuse a client outside its allowlist; 1. read the route
    /// table once and match host and path (staging hosts only on the staging listener); refuse a
    /// request target that names no resource; 2. answer maintenance or hold while paused; 3. pick a
    /// healthy target not draining and count it in flight (during a watch window, one of the warm
    /// standby release when the active pool has none left); 4. forward; on a connection failure
    /// before any byte was sent, retry on another target, and so for a target that took an idempotent
    /// request without a body and closed without answering; 5. record the status and latency on the
    /// target; 6. map failures to a status in one place. Whichever way it ends, a sampled request's
    /// record is queued for the request log.
    /// </summary>
    public async Task InvokeAsync(HttpContext context)
    {
        long started = Stopwatch.GetTimestamp();
        if (_closeConnections && !HttpProtocol.IsHttp2(context.Request.Protocol) && !HttpProtocol.IsHttp3(context.Request.Protocol))
            context.Response.OnStarting(static response => { ((HttpResponse)response).Headers.Connection = "close"; return Task.CompletedTask; }, context.Response);
        var host = HostPattern.Normalize(context.Request.Host.Host);
        var path = context.Request.Path.Value ?? "/";
        // An ACME http-01 challenge this router is waiting on is answered here, on the public listeners
        // only; anything else under that path goes on to the app. Other paths pay one prefix check.
        if (path.StartsWith(Baton.Acme.Issuance.ChallengeResponses.PathPrefix, StringComparison.Ordinal) && Challenges is { } challenges
            && context.Features.Get<ListenerFeature>()?.Kind is ListenerKind.Public or ListenerKind.H2c
            && challenges.TryAnswer(path, out var keyAuthorization))
        {
            context.Response.ContentType = "application/octet-stream";
            await context.Response.WriteAsync(keyAuthorization, context.RequestAborted);
            return;
        }

        // Step 0
        var requestId = RequestId.For(context.Request.Headers);
        context.Response.Headers[RequestId.Header] = requestId;
        var record = requestLog?.Begin(context, requestId, host, path);
        int status = 0;
        TargetTransformer? transformer = null;
        try
        {
        bool staging = false;
        if (context.Features.Get<ListenerFeature>() is { IsStaging: true } listener)
        {
            if (!listener.ClientAllowed)
            {
                counters.RecordStagingRefused();
                await WriteErrorAsync(context, StatusCodes.Status403Forbidden, "This is Baton's staging listener and your address is not in its allowlist (--staging-allow).", retryAfter: null);
                return;
            }
            staging = true;
        }

        // Step 1
        var table = state.Current;
        var (service, poolName) = table.Route(host, path, staging);
        Target? tried1 = null, tried2 = null;
        int attempts = 0, reroutes = 0;
        bool? canary = null;
        bool webSocket = false;
        while (true)
        {
            if (service is null)
            {
                counters.RecordNoRoute();
                await AnswerAsync(context, "", StatusCodes.Status404NotFound, $"No service is routed for {host}{path}.", retryAfter: null);
                return;
            }
            record?.Service = service.Name;

            if (transformer is null)
            {
                // Refused before any target is chosen: a malformed request is never counted against one.
                if (RequestTarget.For(context) is not { } pathAndQuery)
                {
                    await AnswerAsync(context, service.Name, StatusCodes.Status400BadRequest, "Baton forwards requests for a path (origin or absolute form), not asterisk-form (OPTIONS *).", retryAfter: null);
                    return;
                }
                var deadline = new ResponseDeadline(service.TargetTimeout ?? options.TargetTimeout, state.Time);
                transformer = new TargetTransformer(pathAndQuery, deadline, requestId);
                webSocket = TargetForwarder.PrepareUpgrade(context);
                if (!webSocket && context.Features.Get<IHttpRequestBodyDetectionFeature>()?.CanHaveBody == true)
                    context.Request.Body = deadline.Watch(context.Request.Body);
            }

            if ((service.Tls.RedirectHttps || service.Tls.Hsts) && AnsweredByTlsPolicy(context, service.Tls, host)) return;

            // Step 2
            if (service.Maintenance is { } message)
            {
                counters.RecordAnswer(service.Name, StatusCodes.Status503ServiceUnavailable);
                await WriteMaintenanceAsync(context, service.Name, message);
                return;
            }
            if (service.Pause is { } gate)
            {
                if (!await gate.WaitAsync(state.Time, context.RequestAborted))
                {
                    counters.RecordPauseExpired();
                    await AnswerAsync(context, service.Name, StatusCodes.Status503ServiceUnavailable, $"Service {service.Name} is paused; try again shortly.", options.RetryAfterSeconds);
                    return;
                }
                table = state.Current;
                (service, poolName) = table.Route(host, path, staging);
                continue;
            }

            // Step 3
            Target? target;
            TargetPool? from;
            if (poolName is null && service.IsCanary)
            {
                // Decided once per request, so a retry or reroute stays on the same side.
                canary ??= ChooseCandidate(context, service.CanaryPercent, honourForce: staging);
                var (first, second) = canary.Value ? (service.Candidate, service.Active) : (service.Active, service.Candidate);
                // An empty side falls back to the other rather than failing the request.
                from = first;
                target = first!.Pick(tried1, tried2);
                if (target is null) target = (from = second)!.Pick(tried1, tried2);
            }
            else
            {
                from = poolName is null ? service.Active : service.PoolNamed(poolName);
                target = from?.Pick(tried1, tried2);
                // Watching a new release after its switch: the old one is warm as a standby candidate.
                if (poolName is null && service.Candidate is { Standby: true } standby && FromStandby(target, standby, tried1, tried2) is { } warm)
                {
                    (target, from) = (warm, standby);
                    counters.RecordStandby(service.Name);
                }
            }
            if (target is null && !ReferenceEquals(table, state.Current) && ++reroutes <= 10)
            {
                // A switch came after this request read the table: the pool it saw has started draining.
                table = state.Current;
                (service, poolName) = table.Route(host, path, staging);
                continue;
            }
            if (target is null)
            {
                counters.RecordNoTarget();
                await AnswerAsync(context, service.Name, StatusCodes.Status503ServiceUnavailable, $"Service {service.Name} has no healthy target right now; try again shortly.", options.RetryAfterSeconds);
                return;
            }
            if (!target.TryAcquire())
            {
                // Picked from a snapshot that has since been replaced: the target is draining.
                if (++reroutes > 10)
                {
                    await AnswerAsync(context, service.Name, StatusCodes.Status503ServiceUnavailable, $"Service {service.Name} is switching releases; try again shortly.", options.RetryAfterSeconds);
                    return;
                }
                table = state.Current;
                (service, poolName) = table.Route(host, path, staging);
                continue;
            }

            // Step 4
            if (record is not null)
            {
                record.Target = target.Authority;
                record.Colour = from?.Name;
                record.Release = from?.Release;
            }
            ForwardResult result;
            attempts++;
            transformer.Target = target;
            long attemptStarted = Stopwatch.GetTimestamp();
            try
            {
                result = webSocket
                    ? await forwarder.RelayWebSocketAsync(context, transformer)
                    : TargetForwarder.Result(context, transformer, await forwarder.ForwardAsync(context, transformer));
            }
            finally
            {
                target.Release();
            }

            if (result.Error == ForwarderError.Connect)
            {
                if (target.ReportConnectFailure(service.Health.EjectAfterConnectFailures))
                    LogEjected(logger, target.Authority, service.Name);
                if (attempts < options.MaxAttempts)
                {
                    RetryElsewhere(context, target, ref tried1, ref tried2);
                    continue;
                }
            }
            else if (result.Error == ForwarderError.Target)
            {
                if (target.ReportFailedAnswer(service.Health.EjectAfterConnectFailures))
                    LogEjected(logger, target.Authority, service.Name);
                if (attempts < options.MaxAttempts && !context.Response.HasStarted && SafeToSendAgain(context))
                {
                    // The attempt is the target's 502, in its numbers and window, though the client gets another's answer.
                    LogForwardFailed(logger, target.Authority, service.Name, result.Error);
                    target.Metrics.Record(StatusCodes.Status502BadGateway, Stopwatch.GetElapsedTime(attemptStarted));
                    RetryElsewhere(context, target, ref tried1, ref tried2);
                    continue;
                }
            }
            else if (result.Error == ForwarderError.ResponseBodyTarget)
            {
                if (target.ReportFailedAnswer(service.Health.EjectAfterConnectFailures))
                    LogEjected(logger, target.Authority, service.Name);
            }
            else if (result.Error != ForwarderError.Canceled)
            {
                target.ReportConnected(attemptStarted);
            }

            // Step 5 and 6
            status = await CompleteAsync(context, result, service.Name, target, transformer.Deadline.Timeout);
            // A last attempt that failed to connect is already in the window, as a connect failure.
            target.Metrics.Record(status, Stopwatch.GetElapsedTime(started), inWindow: result.Error != ForwarderError.Connect);
            return;
        }
        }
        finally
        {
            transformer?.Deadline.Dispose();
            if (record is not null) requestLog!.End(record, status != 0 ? status : context.Response.StatusCode, started);
        }
    }

    /// <summary>
    /// The standby's target for a request the live pool has no target for, or only one whose last attempt failed
    /// (and nothing it answered since shows it is back); null when the live pool's pick stands.
    /// </summary>
    private static Target? FromStandby(Target? picked, TargetPool standby, Target? tried1, Target? tried2)
    {
        if (picked is { RecentlyFailed: false }) return null;
        var warm = standby.Pick(tried1, tried2);
        return picked is null || warm is { RecentlyFailed: false } ? warm : null;
    }

    /// <summary>The next attempt goes to a target not tried yet; YARP set its own 502 and error feature, so it starts clean.</summary>
    private static void RetryElsewhere(HttpContext context, Target failed, ref Target? tried1, ref Target? tried2)
    {
        if (tried1 is null) tried1 = failed; else tried2 = failed;
        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Features.Set<IForwarderErrorFeature>(null);
    }

    /// <summary>
    /// Whether a request a target took but did not answer may go to another: an idempotent method (RFC 9110 §9.2.2)
    /// and no body, which has been read from the client and could not be sent again. A POST is never sent twice.
    /// </summary>
    private static bool SafeToSendAgain(HttpContext context)
    {
        var method = context.Request.Method;
        bool idempotent = HttpMethods.IsGet(method) || HttpMethods.IsHead(method) || HttpMethods.IsOptions(method)
            || HttpMethods.IsTrace(method) || HttpMethods.IsPut(method) || HttpMethods.IsDelete(method);
        return idempotent && context.Features.Get<IHttpRequestBodyDetectionFeature>()?.CanHaveBody != true;
    }

    /// <summary>
    /// The canary decision for one request: a forced side first (only when <paramref name="honourForce"/>,
    /// on the staging listener), then the client's sticky bucket.
    /// A client without a bucket draws one, and the response gives it to it as a cookie; the cookie
    /// is added when the response starts, so the target's own Set-Cookie headers cannot replace it.
    /// </summary>
    /// <returns>True to send the request to the candidate.</returns>
    private static bool ChooseCandidate(HttpContext context, double percent, bool honourForce)
    {
        var headers = context.Request.Headers;
        if (honourForce && CanarySplit.Forced(headers[CanarySplit.ForceHeader], headers.Cookie) is { } forced) return forced;
        int bucket = CanarySplit.Bucket(headers.Cookie);
        if (bucket < 0)
        {
            bucket = Random.Shared.Next(CanarySplit.Buckets);
            context.Response.OnStarting(static state =>
            {
                var (response, cookie) = ((HttpResponse, string))state;
                response.Headers.Append("Set-Cookie", cookie);
                return Task.CompletedTask;
            }, (context.Response, CanarySplit.SetCookie(bucket)));
        }
        return CanarySplit.InCandidate(bucket, percent);
    }

    /// <summary>
    /// <c>https_redirect</c>: a request on a plain-HTTP public listener gets <c>308</c> to the same
    /// target over HTTPS (the method and body are kept). <c>hsts</c>: an answer on the TLS listener
    /// carries <c>Strict-Transport-Security</c>.
    /// </summary>
    /// <returns>True when the request was answered here (redirected).</returns>
    private bool AnsweredByTlsPolicy(HttpContext context, ServiceTls tls, string host)
    {
        var kind = context.Features.Get<ListenerFeature>()?.Kind;
        if (kind == ListenerKind.Tls)
        {
            if (tls.Hsts) context.Response.Headers.StrictTransportSecurity = ServiceTls.HstsValue;
            return false;
        }
        if (!tls.RedirectHttps || kind is not (ListenerKind.Public or ListenerKind.H2c) || HttpsPort is not { } port) return false;
        var raw = context.Features.Get<IHttpRequestFeature>()?.RawTarget;
        var target = raw is { Length: > 0 } && raw[0] == '/' ? raw : context.Request.Path.ToUriComponent() + context.Request.QueryString.ToUriComponent();
        context.Response.StatusCode = StatusCodes.Status308PermanentRedirect;
        context.Response.Headers.Location = "https://" + host + (port == 443 ? "" : ":" + port.ToString(System.Globalization.CultureInfo.InvariantCulture)) + target;
        return true;
    }

    private async ValueTask<int> CompleteAsync(HttpContext context, ForwardResult result, string service, Target target, TimeSpan timeout)
    {
        switch (result.Error)
        {
            case ForwarderError.None:
                return context.Response.StatusCode;
            case ForwarderError.Connect:
                await AnswerAsync(context, service, StatusCodes.Status502BadGateway, $"Service {service} could not be reached; try again shortly.", options.RetryAfterSeconds);
                return StatusCodes.Status502BadGateway;
            case ForwarderError.Target:
                LogForwardFailed(logger, target.Authority, service, result.Error);
                if (context.Response.HasStarted) context.Abort();
                else await AnswerAsync(context, service, StatusCodes.Status502BadGateway, $"Service {service} failed to answer.", retryAfter: null);
                return StatusCodes.Status502BadGateway;
            case ForwarderError.ResponseBodyTarget:
                // The status line is committed (part of the body may wait unsent in the pipe):
                // cutting the connection is the only way to tell the client the body is incomplete.
                LogForwardFailed(logger, target.Authority, service, result.Error);
                context.Abort();
                return StatusCodes.Status502BadGateway;
            case ForwarderError.Timeout:
                LogForwardFailed(logger, target.Authority, service, result.Error);
                await AnswerAsync(context, service, StatusCodes.Status504GatewayTimeout, $"Service {service} did not answer within {Durations.Format(timeout)}.", retryAfter: null);
                return StatusCodes.Status504GatewayTimeout;
            case ForwarderError.RequestBodyClient:
                if (!context.Response.HasStarted) await AnswerAsync(context, service, StatusCodes.Status400BadRequest, "The request body could not be read.", retryAfter: null);
                return StatusCodes.Status400BadRequest;
            default:
                // The client went away: nobody is left to answer.
                context.Abort();
                return 499;
        }
    }

    /// <summary>An answer of the router's own (not the target's), counted per service and status for /metrics and status.</summary>
    private Task AnswerAsync(HttpContext context, string service, int status, string message, int? retryAfter)
    {
        counters.RecordAnswer(service, status);
        return WriteErrorAsync(context, status, message, retryAfter);
    }

    internal static async Task WriteErrorAsync(HttpContext context, int status, string message, int? retryAfter)
    {
        if (context.Response.HasStarted)
        {
            context.Abort();
            return;
        }
        // The id stays on the router's own answer: it is how a user finds the request in the log.
        var requestId = context.Response.Headers[RequestId.Header];
        context.Response.Clear();
        context.Response.Headers[RequestId.Header] = requestId;
        context.Response.StatusCode = status;
        if (retryAfter is { } seconds) context.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        context.Response.ContentType = "text/plain; charset=utf-8";
        context.Response.Headers.CacheControl = "no-store";
        await context.Response.WriteAsync(message + "\n", context.RequestAborted).ConfigureAwait(false);
    }

    private async Task WriteMaintenanceAsync(HttpContext context, string service, string message)
    {
        context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        context.Response.Headers.RetryAfter = options.RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        context.Response.Headers.CacheControl = "no-store";
        var text = message.Length > 0 ? message : $"{service} is down for maintenance and will be back shortly.";
        bool wantsHtml = context.Request.Headers.Accept.ToString().Contains("text/html", StringComparison.OrdinalIgnoreCase);
        if (wantsHtml)
        {
            context.Response.ContentType = "text/html; charset=utf-8";
            var encoded = System.Net.WebUtility.HtmlEncode(text);
            var page = new StringBuilder()
                .Append("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width\">")
                .Append("<title>Down for maintenance</title><style>body{font:18px/1.5 system-ui,sans-serif;max-width:36em;margin:15vh auto;padding:0 1em;color:#222}h1{font-size:1.6em}</style></head>")
                .Append("<body><h1>Down for maintenance</h1><p>").Append(encoded).Append("</p></body></html>\n");
            await context.Response.WriteAsync(page.ToString(), context.RequestAborted).ConfigureAwait(false);
        }
        else
        {
            context.Response.ContentType = "text/plain; charset=utf-8";
            await context.Response.WriteAsync(text + "\n", context.RequestAborted).ConfigureAwait(false);
        }
    }

    [LoggerMessage(EventId = LogEvents.TargetEjected, Level = LogLevel.Warning, Message = "Target {Target} of {Service} ejected after repeated connection failures; probing until healthy")]
    private static partial void LogEjected(ILogger logger, string target, string service);

    [LoggerMessage(EventId = LogEvents.ForwardFailed, Level = LogLevel.Debug, Message = "Forwarding to {Target} of {Service} failed: {Error}")]
    private static partial void LogForwardFailed(ILogger logger, string target, string service, ForwarderError error);
}
