using System.Globalization;
using Baton.Contracts;
using Baton.Server.Audit;
using Baton.Server.Auth;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Baton.Server.Api;

/// <summary>Sign-in, who-am-I and sign-out for the web page (the cookie session) and any caller.</summary>
internal static class SessionApi
{
    private const string WrongCredentials = "Wrong user name or password.";

    public static void Map(IEndpointRouteBuilder app, AccessStore store, Sessions sessions, LoginThrottle throttle, AuditLog audit)
    {
        app.MapPost("/api/session", async (HttpContext context) =>
        {
            var (body, problem) = await ApiResults.ReadAsync(context.Request, BatonJson.Default.SessionRequest);
            if (problem is not null) return problem;
            if (string.IsNullOrWhiteSpace(body!.User) || string.IsNullOrEmpty(body.Password))
                return ApiResults.Error(StatusCodes.Status400BadRequest, "Give \"user\" and \"password\".");
            var name = body.User.Trim();
            if (name.Length > 100) return ApiResults.Error(StatusCodes.Status401Unauthorized, WrongCredentials);
            var address = context.Connection.RemoteIpAddress?.ToString() ?? "unknown";

            if (throttle.RetryAfter(name, address) is { } wait)
            {
                var seconds = (int)Math.Ceiling(wait.TotalSeconds);
                audit.Write(name, "login", null, AuditLog.Refused, $"throttled after repeated failures, from {address}");
                context.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
                return ApiResults.Error(StatusCodes.Status429TooManyRequests, $"Too many failed sign-ins; try again in {seconds} s.");
            }

            var user = store.GetUser(name);
            // An unknown name costs the same hash as a wrong password, so timing does not tell which names exist.
            bool ok = PasswordHasher.Verify(body.Password, user?.PasswordHash ?? PasswordHasher.Decoy) && user is { Disabled: false };
            if (!ok)
            {
                throttle.Failed(name, address);
                audit.Write(name, "login", null, AuditLog.Failed, $"wrong user name or password, from {address}");
                return ApiResults.Error(StatusCodes.Status401Unauthorized, WrongCredentials);
            }
            throttle.Succeeded(name, address);
            var (id, session) = sessions.Create(user!.Name);
            context.Response.Cookies.Append(Sessions.CookieName, id, AuthMiddleware.CookieOptions(context));
            audit.Write(user.Name, "login", null, AuditLog.Succeeded, $"from {address}");
            return Results.Json(new SessionResponse(user.Name, Roles.Name(user.Role), session.Record.CsrfToken, session.ExpiresAt), BatonJson.Default.SessionResponse);
        }).AllowAnyone()
            .Doc("signIn", "Sign in with a user name and password: the baton_session cookie and its CSRF token.")
            .Body<SessionRequest>().Produces<SessionResponse>().Errors(StatusCodes.Status400BadRequest, StatusCodes.Status401Unauthorized, StatusCodes.Status415UnsupportedMediaType, StatusCodes.Status429TooManyRequests);

        app.MapGet("/api/session", (HttpContext context) =>
        {
            var caller = Caller.Of(context)!;
            return Results.Json(new SessionResponse(caller.Name, Roles.Name(caller.Role), caller.CsrfToken, caller.Expires), BatonJson.Default.SessionResponse);
        }).RequireRole(Role.Viewer)
            .Doc("getSession", "Who the caller is, their role, and (for a cookie session) its CSRF token.").Produces<SessionResponse>();

        app.MapDelete("/api/session", (HttpContext context) =>
        {
            var caller = Caller.Of(context)!;
            if (caller.SessionHash is { } hash)
            {
                sessions.End(hash);
                audit.Write(caller.Name, "logout", null, AuditLog.Succeeded);
            }
            AuthMiddleware.ClearCookie(context);
            return Results.NoContent();
        }).RequireRole(Role.Viewer)
            .Doc("signOut", "End the cookie session and clear the cookie.").Produces(StatusCodes.Status204NoContent);
    }
}
