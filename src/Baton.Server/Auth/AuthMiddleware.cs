using Baton.Contracts;
using Baton.Server.Api;
using Baton.Server.Audit;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Baton.Server.Auth;

/// <summary>
/// Who is calling, and may they. Steps:
/// 1. A bearer token (the first-start admin token, or an API token) or else the
///    <c>baton_session</c> cookie names the caller; a wrong one is 401.
/// 2. A cookie caller's unsafe call (POST, PUT, PATCH, DELETE) must echo the session's CSRF
///    token in <c>X-CSRF-Token</c>, else 403: another site can make the browser send the cookie,
///    but cannot read the token.
/// 3. The endpoint's <see cref="RequiredRole"/> is checked, else 403; an endpoint that declares
///    none is refused to everyone.
/// 4. An audited endpoint gets its <see cref="AuditScope"/>, written when the call ends.
/// The few anonymous calls (<c>GET /healthz</c>, the page at <c>/</c> and <c>/assets/*</c>,
/// <c>POST /api/session</c>) pass without a caller.
/// </summary>
internal sealed class AuthMiddleware(RequestDelegate next, AdminToken adminToken, AccessStore store, Sessions sessions, AuditLog audit)
{
    public const string CsrfHeader = "X-CSRF-Token";

    public async Task InvokeAsync(HttpContext context)
    {
        var endpoint = context.GetEndpoint();
        var required = endpoint?.Metadata.GetMetadata<RequiredRole>();
        bool anonymous = IsAnonymousPath(context.Request) || required is { Role: null };

        // Step 1
        var (caller, refusal) = Authenticate(context);
        if (caller is null)
        {
            if (anonymous)
            {
                await next(context);
                return;
            }
            context.Response.Headers.WWWAuthenticate = "Bearer";
            if (refusal == SessionEnded) ClearCookie(context);
            await Refuse(context, StatusCodes.Status401Unauthorized, refusal ?? NoCredentials);
            return;
        }
        caller.Attach(context);
        if (anonymous)
        {
            await next(context);
            return;
        }

        // Step 2
        if (caller.Kind == CallerKind.Session && !HttpMethods.IsGet(context.Request.Method) && !HttpMethods.IsHead(context.Request.Method) && !HttpMethods.IsOptions(context.Request.Method)
            && !Secrets.SameText(context.Request.Headers[CsrfHeader].ToString(), caller.CsrfToken))
        {
            await Refuse(context, StatusCodes.Status403Forbidden, $"This change needs the {CsrfHeader} header with the csrfToken of your session (from GET /api/session); nothing was changed.");
            return;
        }

        // Step 3
        var action = endpoint?.Metadata.GetMetadata<AuditedAction>();
        string? target = (context.GetRouteValue("name") ?? context.GetRouteValue("host")) as string;
        // Routing's own refusals (wrong method or body type) are plain endpoints, not routes: ApiEdgesMiddleware answers them.
        if (endpoint is RouteEndpoint && required is null)
        {
            await Refuse(context, StatusCodes.Status403Forbidden, "This call declares no role, so Baton refuses it to everyone.");
            return;
        }
        if (required?.Role is { } role && caller.Role < role)
        {
            if (action is not null) audit.Write(caller.Name, action.Action, target, AuditLog.Refused, $"needs the {Roles.Name(role)} role");
            await Refuse(context, StatusCodes.Status403Forbidden, $"This call needs the {Roles.Name(role)} role; {caller.Name} is {Article(caller.Role)} {Roles.Name(caller.Role)}.");
            return;
        }

        // Step 4
        if (action is null)
        {
            await next(context);
            return;
        }
        var scope = new AuditScope(audit, caller.Name, action.Action, target);
        scope.Attach(context);
        try
        {
            await next(context);
        }
        finally
        {
            if (!scope.Deferred)
            {
                bool ok = context.Response.StatusCode < 400;
                scope.Complete(ok ? AuditLog.Succeeded : AuditLog.Failed, ok ? null : ApiResults.ErrorOf(context) ?? $"HTTP {context.Response.StatusCode}");
            }
        }
    }

    private const string NoCredentials = "This call needs a token or a sign-in: pass --token or set BATON_TOKEN (the server wrote the admin token to <data>/admin-token on first start).";
    private const string SessionEnded = "Your session has ended or expired; sign in again.";

    private (Caller? Caller, string? Refusal) Authenticate(HttpContext context)
    {
        var header = context.Request.Headers.Authorization.ToString();
        if (header.Length > 0)
        {
            if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
                return (null, "Send the token as the header Authorization: Bearer TOKEN.");
            var presented = header[7..].Trim();
            if (adminToken.Matches(presented)) return (new Caller("admin", Role.Admin, CallerKind.AdminToken), null);
            if (presented.Length is > 0 and < 200 && store.FindUsableToken(Secrets.Hash(presented)) is { } token)
            {
                store.TouchToken(token.Id);
                return (new Caller(token.Owner, token.Role, CallerKind.ApiToken, token.Expires), null);
            }
            return (null, "The token was not accepted (wrong, revoked or expired): check --token or BATON_TOKEN; the first-start admin token is in <data>/admin-token.");
        }
        if (context.Request.Cookies.TryGetValue(Sessions.CookieName, out var cookie))
        {
            if (sessions.Validate(cookie) is not { } session) return (null, SessionEnded);
            var r = session.Record;
            return (new Caller(r.User, r.Role, CallerKind.Session, session.ExpiresAt, r.Hash, r.CsrfToken), null);
        }
        return (null, null);
    }

    /// <summary>The anonymous calls of the shared contract, by path, so the page's files need no endpoint of their own.</summary>
    private static bool IsAnonymousPath(HttpRequest request)
    {
        var path = request.Path;
        bool read = HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method);
        if (read && (path == "/" || path == "/healthz" || path.StartsWithSegments("/assets", StringComparison.Ordinal))) return true;
        return HttpMethods.IsPost(request.Method) && path == "/api/session";
    }

    internal static void ClearCookie(HttpContext context) =>
        context.Response.Cookies.Delete(Sessions.CookieName, CookieOptions(context));

    internal static CookieOptions CookieOptions(HttpContext context) => new()
    {
        HttpOnly = true,
        SameSite = SameSiteMode.Strict,
        Path = "/",
        Secure = context.Request.IsHttps,
    };

    private static string Article(Role role) => role == Role.Admin ? "an" : "a";

    private static Task Refuse(HttpContext context, int status, string message)
    {
        context.Response.StatusCode = status;
        return context.Response.WriteAsJsonAsync(new ApiError(message), BatonJson.Default.ApiError);
    }
}
