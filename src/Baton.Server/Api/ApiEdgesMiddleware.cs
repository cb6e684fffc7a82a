using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Baton.Server.Api;

/// <summary>
/// Gives the answers the framework would leave empty a sentence, like every other error of the
/// API: a call that does not exist under <c>/api/</c> (404), a path that exists but not with that
/// method (405, with <c>Allow</c>), and a route or query value that does not bind, such as
/// <c>?limit=abc</c> (400). It runs after authentication, so an anonymous caller learns nothing
/// but 401, as for every call that is not anonymous.
/// </summary>
internal sealed partial class ApiEdgesMiddleware(RequestDelegate next)
{
    public async Task InvokeAsync(HttpContext context)
    {
        var request = context.Request;
        var endpoint = context.GetEndpoint();
        if (endpoint is null && request.Path.StartsWithSegments("/api", StringComparison.Ordinal))
        {
            await ApiResults.Error(StatusCodes.Status404NotFound, $"The admin API has no call {request.Method} {request.Path}; GET {ApiDocument.Path} lists them.").ExecuteAsync(context);
            return;
        }
        // Routing refuses a known path with the wrong method (405) or body type (415) by an endpoint
        // of its own, without a route pattern or a body.
        if (endpoint is not null and not RouteEndpoint && endpoint.RequestDelegate is { } rejection)
        {
            await rejection(context);
            if (context.Response.HasStarted) return;
            var status = context.Response.StatusCode;
            var allowed = context.Response.Headers.Allow.ToString();
            var message = status switch
            {
                StatusCodes.Status405MethodNotAllowed => $"{request.Path} does not take {request.Method}{(allowed.Length > 0 ? $"; it takes {allowed}" : "")}.",
                StatusCodes.Status415UnsupportedMediaType => ApiResults.NotJson,
                _ => $"{request.Method} {request.Path} cannot be answered (HTTP {status}).",
            };
            await ApiResults.Error(status, message).ExecuteAsync(context);
            return;
        }
        try
        {
            await next(context);
        }
        catch (BadHttpRequestException e) when (!context.Response.HasStarted)
        {
            var bind = BindFailure().Match(e.Message);
            var message = bind.Success
                ? $"The parameter {bind.Groups["name"].Value} cannot be \"{bind.Groups["value"].Value}\"; GET {ApiDocument.Path} gives its type."
                : $"The request is not valid for this call: {e.Message}";
            context.Response.Clear();
            await ApiResults.Error(e.StatusCode, message).ExecuteAsync(context);
        }
        catch (RouterLink.RouterUnavailableException e) when (!context.Response.HasStarted)
        {
            // The router process is another process (being replaced, or gone): the call is fine, the router is not.
            context.Response.Clear();
            await ApiResults.Error(StatusCodes.Status503ServiceUnavailable, e.Message).ExecuteAsync(context);
        }
    }

    /// <summary>The framework's sentence for a value that does not bind: <c>Failed to bind parameter "int? limit" from "abc".</c></summary>
    [GeneratedRegex("""^Failed to bind parameter "(?:[^"]* )?(?<name>[A-Za-z_][A-Za-z0-9_]*)" from "(?<value>.*)"\.?$""")]
    private static partial Regex BindFailure();
}
