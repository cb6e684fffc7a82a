using System.Buffers;
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
    private const int BufferSize = 32 * 1024;
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

        // A streamed body (server-sent events, long downloads) must also end when its target's
        // drain deadline comes: then it is ended cleanly, as if the target had finished.
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(aborted, target.StreamsClosing);
        var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        var body = outgoing.Body;
        try
        {
            while (true)
            {
                int read;
                try
                {
                    read = await source.ReadAsync(buffer, stop.Token).ConfigureAwait(false);
                }
                catch (Exception e) when (e is HttpRequestException or IOException or OperationCanceledException)
                {
                    if (aborted.IsCancellationRequested) return new ForwardResult(ForwarderError.ResponseBodyClient, true);
                    if (target.StreamsClosing.IsCancellationRequested) return ForwardResult.Ok;
                    return new ForwardResult(ForwarderError.ResponseBodyTarget, true);
                }
                if (read == 0) return ForwardResult.Ok;
                try
                {
                    await body.WriteAsync(buffer.AsMemory(0, read), aborted).ConfigureAwait(false);
                }
                catch (Exception e) when (e is IOException or OperationCanceledException or ObjectDisposedException or InvalidOperationException)
                {
                    return new ForwardResult(ForwarderError.ResponseBodyClient, true);
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    public void Dispose() => _client.Dispose();
}
