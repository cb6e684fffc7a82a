using Microsoft.AspNetCore.Http;

namespace Baton.Server.Auth;

/// <summary>How the caller proved who it is.</summary>
public enum CallerKind
{
    /// <summary>The first-start admin token of <c>&lt;data&gt;/admin-token</c>.</summary>
    AdminToken,
    /// <summary>An API token made with <c>baton token create</c>.</summary>
    ApiToken,
    /// <summary>The web page's <c>baton_session</c> cookie.</summary>
    Session,
}

/// <summary>
/// The authenticated caller of one admin request, put in <see cref="HttpContext.Items"/> by
/// <see cref="AuthMiddleware"/>: endpoints take the author of what they do from here.
/// </summary>
/// <param name="Expires">When the credential stops working, if it does.</param>
/// <param name="SessionHash">The session's key, for a cookie caller (to sign out).</param>
/// <param name="CsrfToken">The session's CSRF token, for a cookie caller.</param>
public sealed record Caller(string Name, Role Role, CallerKind Kind, DateTimeOffset? Expires = null, string? SessionHash = null, string? CsrfToken = null)
{
    private static readonly object Key = new();

    public static Caller? Of(HttpContext context) => context.Items.TryGetValue(Key, out var c) ? c as Caller : null;

    /// <summary>The caller's name for history and audit; an endpoint behind the middleware always has one.</summary>
    public static string NameOf(HttpContext context) => Of(context)?.Name ?? "anonymous";

    internal void Attach(HttpContext context) => context.Items[Key] = this;
}
