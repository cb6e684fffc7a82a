using Baton.Contracts;
using Microsoft.AspNetCore.Http;

namespace Baton.Server.Auth;

/// <summary>Every admin call needs <c>Authorization: Bearer &lt;token&gt;</c>, except the liveness probe <c>/healthz</c>.</summary>
internal sealed class TokenAuthMiddleware(RequestDelegate next, AdminToken token)
{
    public async Task InvokeAsync(HttpContext context)
    {
        if (context.Request.Path.Equals("/healthz", StringComparison.Ordinal))
        {
            await next(context);
            return;
        }
        var header = context.Request.Headers.Authorization.ToString();
        var presented = header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? header[7..].Trim() : null;
        if (!token.Matches(presented))
        {
            context.Response.StatusCode = StatusCodes.Status401Unauthorized;
            context.Response.Headers.WWWAuthenticate = "Bearer";
            var message = presented is null
                ? "This call needs the admin token: pass --token or set BATON_TOKEN (the server wrote it to <data>/admin-token on first start)."
                : "The token was not accepted: check --token or BATON_TOKEN against <data>/admin-token.";
            await context.Response.WriteAsJsonAsync(new ApiError(message), BatonJson.Default.ApiError);
            return;
        }
        await next(context);
    }
}
