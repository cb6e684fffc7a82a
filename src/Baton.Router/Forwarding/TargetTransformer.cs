using System.Net;
using System.Net.Http.Headers;
using Baton.Router.Targets;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;
using Yarp.ReverseProxy.Forwarder;

namespace Baton.Router.Forwarding;

/// <summary>
/// What Baton changes on a request and its answer as they cross, for one client request (YARP
/// calls it once per attempt). It replaces YARP's default transforms where Baton behaves
/// otherwise: the request target is the client's own (<see cref="RequestTarget"/>), the client's
/// Host is passed on, X-Forwarded-For is appended to the client's chain, every header the
/// <c>Connection</c> header names is dropped both ways, the request's <see cref="RequestId"/> replaces any
/// X-Request-ID, and long-lived bodies end at the drain deadline.
/// </summary>
internal sealed class TargetTransformer(string pathAndQuery, ResponseDeadline deadline, string requestId) : HttpTransformer
{
    /// <summary>Bodies of unknown length, or longer than this, may outlive a drain: they end at its deadline.</summary>
    private const long LongLivedLength = 1024 * 1024;

    /// <summary>The target of the current attempt.</summary>
    public Target Target { get; set; } = null!;

    public ResponseDeadline Deadline => deadline;

    /// <summary>The current attempt's answer gave its length: it has no trailers (only a chunked HTTP/1.1 body can carry them).</summary>
    private bool _lengthGiven;

    public override ValueTask TransformRequestAsync(HttpContext httpContext, HttpRequestMessage proxyRequest, string destinationPrefix, CancellationToken cancellationToken)
    {
        // The prefix is the current target's (TargetForwarder passes Target.Prefix), whose URI Apply reuses.
        Apply(httpContext, proxyRequest);
        return default;
    }

    /// <summary>Headers, forwarded-for and the request target at the current <see cref="Target"/>; also used for the WebSocket relay's upgrade request.</summary>
    public void Apply(HttpContext context, HttpRequestMessage proxyRequest)
    {
        var incoming = context.Request;
        var incomingHeaders = incoming.Headers;
        var headers = proxyRequest.Headers;
        var content = proxyRequest.Content;
        var connection = ConnectionOptions.Of(incomingHeaders.Connection);
        // Transfer-Encoding overrides Content-Length; passing both on is how requests get smuggled (RFC 9112 §6.3).
        bool chunked = incomingHeaders.ContainsKey("Transfer-Encoding");
        foreach (var header in incomingHeaders)
        {
            var name = header.Key;
            if (name.Length > 0 && name[0] == ':') continue; // HTTP/2 pseudo-headers
            if (HeaderRules.DropFromRequest(name)) continue;
            if (connection.Names(name)) continue;
            if (HeaderRules.IsContentHeader(name))
            {
                if (content is null) continue;
                // The length crosses as the number Kestrel parsed, not a string formatted from it and parsed again.
                if (name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase))
                {
                    if (!chunked) content.Headers.ContentLength = incoming.ContentLength;
                }
                else Add(content.Headers, name, header.Value);
                continue;
            }
            Add(headers, name, header.Value);
        }

        var host = incomingHeaders.Host.ToString();
        if (host.Length > 0) headers.Host = host;

        // X-Forwarded-*: append the client's address to any chain it brought.
        var remote = context.Connection.RemoteIpAddress?.ToString();
        var priorFor = incomingHeaders["X-Forwarded-For"];
        if (remote is not null)
            headers.TryAddWithoutValidation("X-Forwarded-For", StringValues.IsNullOrEmpty(priorFor) ? remote : string.Concat(priorFor.ToString(), ", ", remote));
        headers.TryAddWithoutValidation("X-Forwarded-Proto", incoming.Scheme);
        if (host.Length > 0) headers.TryAddWithoutValidation("X-Forwarded-Host", host);
        headers.TryAddWithoutValidation(RequestId.Header, requestId);

        proxyRequest.RequestUri = Target.RequestUri(pathAndQuery);
    }

    public override ValueTask<bool> TransformResponseAsync(HttpContext httpContext, HttpResponseMessage? proxyResponse, CancellationToken cancellationToken)
    {
        if (proxyResponse is null) return new ValueTask<bool>(false); // an error: ProxyHandler answers it
        deadline.Disarm();
        CopyResponseHeaders(proxyResponse, httpContext.Response.Headers, keepUpgrade: false);

        var length = proxyResponse.Content.Headers.ContentLength;
        _lengthGiven = length is not null;
        if (length is null or > LongLivedLength)
            proxyResponse.Content = new DrainingContent(proxyResponse.Content, Target.StreamsClosing);
        else if (length > 0)
            // Also for a short body that came whole with its head: read whole before anything is written, an answer the
            // target cuts short fails before the client has a byte of it, so the router counts the failure before
            // the client sees the cut (YARP itself aborts a client whose answer has started, before it returns).
            proxyResponse.Content = new WholeBodyContent(proxyResponse.Content, length.Value);
        return new ValueTask<bool>(true);
    }

    /// <summary>
    /// Trailers are copied only from a chunked answer. YARP's own copy looks the trailers feature up and makes the
    /// answer's (empty) trailer collection for every answer.
    /// </summary>
    public override ValueTask TransformResponseTrailersAsync(HttpContext httpContext, HttpResponseMessage proxyResponse, CancellationToken cancellationToken) =>
        _lengthGiven ? default : base.TransformResponseTrailersAsync(httpContext, proxyResponse, cancellationToken);

    /// <summary>Copies the target's headers, less hop-by-hop ones and those its <c>Connection</c> header names.</summary>
    public static void CopyResponseHeaders(HttpResponseMessage response, IHeaderDictionary destination, bool keepUpgrade)
    {
        var connection = response.Headers.NonValidated.TryGetValues("Connection", out var c) ? ConnectionOptions.Of(c) : default;
        foreach (var header in response.Headers.NonValidated)
        {
            bool isUpgrade = header.Key.Equals("Upgrade", StringComparison.OrdinalIgnoreCase);
            if (HeaderRules.DropFromResponse(header.Key) && !(keepUpgrade && isUpgrade)) continue;
            if (!isUpgrade && connection.Names(header.Key)) continue;
            destination[header.Key] = ToStringValues(header.Value);
        }
        var content = response.Content.Headers;
        foreach (var header in content.NonValidated)
        {
            // The handler parsed the length to read the body: it goes on as that number, not formatted into a string for Kestrel to parse again.
            if (header.Key.Equals("Content-Length", StringComparison.OrdinalIgnoreCase)) continue;
            destination[header.Key] = ToStringValues(header.Value);
        }
        if (content.ContentLength is { } length) destination.ContentLength = length;
        // A bodyless status must not claim a length (Kestrel refuses to write one for 204 and 1xx).
        if (response.StatusCode is HttpStatusCode.NoContent or HttpStatusCode.ResetContent or < HttpStatusCode.OK)
            destination.Remove("Content-Length");
    }

    private static void Add(HttpHeaders headers, string name, StringValues values)
    {
        if (values.Count == 1) headers.TryAddWithoutValidation(name, values.ToString());
        else headers.TryAddWithoutValidation(name, (IEnumerable<string?>)values.ToArray());
    }

    private static StringValues ToStringValues(HeaderStringValues values)
    {
        if (values.Count == 1) return new StringValues(values.ToString());
        var array = new string[values.Count];
        int i = 0;
        foreach (var v in values) array[i++] = v;
        return new StringValues(array);
    }
}
