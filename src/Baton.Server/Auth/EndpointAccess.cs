using Microsoft.AspNetCore.Builder;

namespace Baton.Server.Auth;

/// <summary>
/// The role an endpoint needs, as endpoint metadata; <see cref="Role"/> null means anyone, signed
/// in or not. An endpoint without this is refused to everyone, so a new route cannot be open by
/// oversight (a functional test walks every mapped route).
/// </summary>
public sealed record RequiredRole(Role? Role);

/// <summary>Declares an endpoint's role: <c>app.MapGet(…).RequireRole(Role.Viewer)</c>.</summary>
public static class EndpointAccess
{
    public static TBuilder RequireRole<TBuilder>(this TBuilder builder, Role role) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new RequiredRole(role));

    /// <summary>For the few calls made before anyone can sign in: the liveness probe and the sign-in itself.</summary>
    public static TBuilder AllowAnyone<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new RequiredRole(null));
}
