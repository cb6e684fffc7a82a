using Microsoft.AspNetCore.Http;

namespace Baton.Server.Auth;

/// <summary>
/// Headers on every answer of the admin listener: no MIME sniffing, no referrer, no framing,
/// nothing from <c>/api</c> kept in a cache, and on HTML the page's content security policy
/// (only its own files: no inline script or style, no other origin).
/// </summary>
internal sealed class SecurityHeadersMiddleware(RequestDelegate next)
{
    public const string ContentSecurityPolicy = "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

    public Task InvokeAsync(HttpContext context)
    {
        var response = context.Response;
        response.OnStarting(() =>
        {
            var headers = response.Headers;
            headers.XContentTypeOptions = "nosniff";
            headers["Referrer-Policy"] = "no-referrer";
            headers.XFrameOptions = "DENY";
            if (context.Request.Path.StartsWithSegments("/api", StringComparison.Ordinal)) headers.CacheControl = "no-store";
            if (response.ContentType?.StartsWith("text/html", StringComparison.OrdinalIgnoreCase) == true) headers.ContentSecurityPolicy = ContentSecurityPolicy;
            return Task.CompletedTask;
        });
        return next(context);
    }
}
