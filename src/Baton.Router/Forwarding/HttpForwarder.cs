using System.Net;
using Baton.Router.Targets;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Primitives;

namespace Baton.Router.Forwarding;

/// <summary>
/// Sends one client request to one target and streams the answer back. Holds the pooled,
/// kept-alive connections to every target.
/// </summary>
public sealed class HttpForwarder : IDisposable
{
    private const int BufferSize = 16 * 1024;

    /// <summary>A body of known length is flushed each time this much is waiting in Kestrel's pipe.</summary>
    private const int FlushEvery = 64 * 1024;

    /// <summary>Bodies of unknown length, or longer than this, may outlive a drain: they end at its deadline.</summary>
    private const long LongLivedLength = 1024 * 1024;
    private static readonly UriCreationOptions RawUri = new() { DangerousDisablePathAndQueryCanonicalization = true };

    private readonly HttpMessageInvoker _client;

    public HttpForwarder(TimeSpan connectTimeout)
    {
        _client = new HttpMessageInvoker(new SocketsHttpHandler
        {
            UseProxy = false,
            AllowAutoRedirect = false,
            AutomaticDecompression = DecompressionMethods.None,
            UseCookies = false,
            ActivityHeadersPropagator = null,
            ConnectTimeout = connectTimeout,
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(50),
            PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
            MaxResponseHeadersLength = 64,
            EnableMultipleHttp2Connections = true,
        });
    }

    /// <summary>
    /// Steps: 1. build the target request (headers, forwarded-for, streamed body); 2. send it and
    /// await the response head; 3. copy status and headers; 4. for a 101, relay the WebSocket;
    /// otherwise 5. stream the body unbuffered and 6. copy trailers.
    /// </summary>
    public async ValueTask<ForwardResult> SendAsync(HttpContext context, Target target)
    {
        var aborted = context.RequestAborted;
        // Step 1
        var upgrade = context.Features.Get<IHttpUpgradeFeature>();
        bool isUpgrade = upgrade is { IsUpgradableRequest: true };
        using var request = CreateRequest(context, target, isUpgrade, out var content);

        // Step 2
        HttpResponseMessage response;
        try
        {
            response = await _client.SendAsync(request, aborted).ConfigureAwait(false);
        }
        catch (Exception e) when (e is HttpRequestException or OperationCanceledException or IOException)
        {
            bool started = content?.Started == true;
            if (aborted.IsCancellationRequested) return new ForwardResult(ForwarderError.Canceled, started);
            if (content?.ClientFailed == true) return new ForwardResult(ForwarderError.RequestBodyClient, started);
            bool connectFailed = e is HttpRequestException { HttpRequestError: HttpRequestError.ConnectionError }
                || e is OperationCanceledException; // the only other cancellation is the connect timeout
            return new ForwardResult(connectFailed && !started ? ForwarderError.Connect : ForwarderError.Target, started);
        }

        using (response)
        {
            // Step 3
            var outgoing = context.Response;
            outgoing.StatusCode = (int)response.StatusCode;
            CopyResponseHeaders(response, outgoing.Headers, keepUpgrade: response.StatusCode == HttpStatusCode.SwitchingProtocols);

            // Step 4
            if (response.StatusCode == HttpStatusCode.SwitchingProtocols)
            {
                if (!isUpgrade) return new ForwardResult(ForwarderError.Target, true);
                var targetStream = await response.Content.ReadAsStreamAsync(aborted).ConfigureAwait(false);
                Stream clientStream;
                try
                {
                    clientStream = await upgrade!.UpgradeAsync().ConfigureAwait(false);
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

            // Step 5
            var result = await CopyBodyAsync(response, outgoing, target, aborted).ConfigureAwait(false);

            // Step 6
            if (result.Error == ForwarderError.None && response.Headers.TransferEncodingChunked == true && outgoing.SupportsTrailers())
            {
                foreach (var trailer in response.TrailingHeaders.NonValidated)
                    outgoing.AppendTrailer(trailer.Key, ToStringValues(trailer.Value));
            }
            return result;
        }
    }

    private static HttpRequestMessage CreateRequest(HttpContext context, Target target, bool isUpgrade, out StreamingRequestContent? content)
    {
        var incoming = context.Request;
        var rawTarget = context.Features.Get<IHttpRequestFeature>()?.RawTarget;
        var pathAndQuery = rawTarget is { Length: > 0 } && rawTarget[0] == '/'
            ? rawTarget
            : (incoming.PathBase + incoming.Path).ToUriComponent() + incoming.QueryString.ToUriComponent();
        var request = new HttpRequestMessage
        {
            Method = Methods.For(incoming.Method),
            RequestUri = new Uri(string.Concat("http://", target.Authority, pathAndQuery), in RawUri),
            Version = HttpVersion.Version11,
            VersionPolicy = HttpVersionPolicy.RequestVersionOrLower,
        };

        content = null;
        if (!isUpgrade && context.Features.Get<IHttpRequestBodyDetectionFeature>()?.CanHaveBody == true)
        {
            content = new StreamingRequestContent(incoming.Body, incoming.ContentLength);
            request.Content = content;
        }

        var headers = request.Headers;
        var connection = incoming.Headers.Connection.ToString();
        foreach (var header in incoming.Headers)
        {
            var name = header.Key;
            if (name.Length > 0 && name[0] == ':') continue; // HTTP/2 pseudo-headers
            if (HeaderRules.DropFromRequest(name)) continue;
            if (connection.Length > 0 && HeaderRules.NamedByConnection(connection, name)) continue;
            if (HeaderRules.IsContentHeader(name))
            {
                if (content is not null) AddHeader(content.Headers, name, header.Value);
                continue;
            }
            AddHeader(headers, name, header.Value);
        }

        var host = incoming.Headers.Host.ToString();
        headers.Host = host.Length > 0 ? host : null;
        if (isUpgrade)
        {
            headers.TryAddWithoutValidation("Connection", "Upgrade");
            headers.TryAddWithoutValidation("Upgrade", incoming.Headers.Upgrade.ToString());
        }

        // X-Forwarded-*: append the client's address to any chain it brought.
        var remote = context.Connection.RemoteIpAddress?.ToString();
        var priorFor = incoming.Headers["X-Forwarded-For"];
        if (remote is not null)
            headers.TryAddWithoutValidation("X-Forwarded-For", StringValues.IsNullOrEmpty(priorFor) ? remote : string.Concat(priorFor.ToString(), ", ", remote));
        headers.TryAddWithoutValidation("X-Forwarded-Proto", incoming.Scheme);
        if (host.Length > 0) headers.TryAddWithoutValidation("X-Forwarded-Host", host);
        return request;
    }

    private static void AddHeader(System.Net.Http.Headers.HttpHeaders headers, string name, StringValues values)
    {
        if (values.Count == 1) headers.TryAddWithoutValidation(name, values.ToString());
        else headers.TryAddWithoutValidation(name, (IEnumerable<string?>)values.ToArray());
    }

    private static void CopyResponseHeaders(HttpResponseMessage response, IHeaderDictionary destination, bool keepUpgrade)
    {
        var connection = response.Headers.NonValidated.TryGetValues("Connection", out var c) ? c.ToString() : "";
        foreach (var header in response.Headers.NonValidated)
        {
            bool isUpgrade = header.Key.Equals("Upgrade", StringComparison.OrdinalIgnoreCase);
            if (HeaderRules.DropFromResponse(header.Key) && !(keepUpgrade && isUpgrade)) continue;
            if (connection.Length > 0 && !isUpgrade && HeaderRules.NamedByConnection(connection, header.Key)) continue;
            destination[header.Key] = ToStringValues(header.Value);
        }
        foreach (var header in response.Content.Headers.NonValidated)
            destination[header.Key] = ToStringValues(header.Value);
    }

    private static StringValues ToStringValues(System.Net.Http.Headers.HeaderStringValues values)
    {
        if (values.Count == 1) return new StringValues(values.ToString());
        var array = new string[values.Count];
        int i = 0;
        foreach (var v in values) array[i++] = v;
        return new StringValues(array);
    }

    /// <summary>
    /// Streams the target's body to the client. A body of known length is written to Kestrel's
    /// pipe and flushed every <see cref="FlushEvery"/> bytes and at its end, so a small answer
    /// leaves in one send; a body of unknown length (server-sent events, chunked) is flushed piece
    /// by piece so nothing waits in a buffer. Long-lived bodies end, cleanly, at their target's
    /// drain deadline.
    /// </summary>
    private static async ValueTask<ForwardResult> CopyBodyAsync(HttpResponseMessage response, HttpResponse outgoing, Target target, CancellationToken aborted)
    {
        Stream source;
        try
        {
            source = await response.Content.ReadAsStreamAsync(aborted).ConfigureAwait(false);
        }
        catch (Exception e) when (e is HttpRequestException or IOException or OperationCanceledException)
        {
            return new ForwardResult(aborted.IsCancellationRequested ? ForwarderError.ResponseBodyClient : ForwarderError.ResponseBodyTarget, true);
        }

        long? length = response.Content.Headers.ContentLength;
        bool longLived = length is null or > LongLivedLength;
        using var stop = longLived ? CancellationTokenSource.CreateLinkedTokenSource(aborted, target.StreamsClosing) : null;
        int pending = 0;
        var readToken = stop?.Token ?? aborted;
        var writer = outgoing.BodyWriter;
        try
        {
            while (true)
            {
                var memory = writer.GetMemory(BufferSize);
                int read;
                try
                {
                    read = await source.ReadAsync(memory, readToken).ConfigureAwait(false);
                }
                catch (Exception e) when (e is HttpRequestException or IOException or OperationCanceledException)
                {
                    if (aborted.IsCancellationRequested) return new ForwardResult(ForwarderError.ResponseBodyClient, true);
                    if (target.StreamsClosing.IsCancellationRequested)
                    {
                        await writer.FlushAsync(CancellationToken.None).ConfigureAwait(false);
                        return ForwardResult.Ok;
                    }
                    return new ForwardResult(ForwarderError.ResponseBodyTarget, true);
                }
                if (read == 0)
                {
                    // Flush the tail ourselves: once the head has been flushed (a body over FlushEvery),
                    // Kestrel does not flush a kept-alive response's unflushed bytes when the request ends.
                    if (pending > 0 && (await writer.FlushAsync(aborted).ConfigureAwait(false)).IsCanceled)
                        return new ForwardResult(ForwarderError.ResponseBodyClient, true);
                    return ForwardResult.Ok;
                }
                writer.Advance(read);
                pending += read;
                if (length is not null && pending < FlushEvery) continue;
                pending = 0;
                var flushed = await writer.FlushAsync(aborted).ConfigureAwait(false);
                if (flushed.IsCanceled || flushed.IsCompleted) return new ForwardResult(ForwarderError.ResponseBodyClient, true);
            }
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or ObjectDisposedException or InvalidOperationException)
        {
            return new ForwardResult(ForwarderError.ResponseBodyClient, true);
        }
    }

    public void Dispose() => _client.Dispose();
}
