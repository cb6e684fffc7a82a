using System.Globalization;
using Baton.Contracts;
using Baton.Server.Audit;
using Baton.Server.Auth;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Baton.Server.Api;

/// <summary>
/// API tokens: anyone may make, list and revoke their own; admins see and revoke everyone's.
/// A token's value is in the creation answer only; Baton keeps its SHA-256.
/// </summary>
internal static class TokensApi
{
    public static void Map(IEndpointRouteBuilder app, AccessStore store, TimeProvider time)
    {
        app.MapGet("/api/tokens", (HttpContext context) =>
        {
            var caller = Caller.Of(context)!;
            var tokens = store.ListTokens(caller.Role == Role.Admin ? null : caller.Name);
            return Results.Json(new TokensResponse(tokens.Select(t => t.View()).ToList()), BatonJson.Default.TokensResponse);
        }).RequireRole(Role.Viewer)
            .Doc("listTokens", "The caller's API tokens (an admin's: everyone's), never their values.").Produces<TokensResponse>();

        app.MapPost("/api/tokens", async (HttpContext context) =>
        {
            var caller = Caller.Of(context)!;
            var (body, problem) = await ApiResults.ReadAsync(context.Request, BatonJson.Default.TokenRequest);
            if (problem is not null) return problem;
            var name = body!.Name?.Trim() ?? "";
            if (name.Length is 0 or > 100) return ApiResults.Error(StatusCodes.Status400BadRequest, "Give the token a name (up to 100 characters), such as the machine or job that will use it.");
            var role = caller.Role;
            if (body.Role is not null)
            {
                if (!Roles.TryParse(body.Role, out role)) return ApiResults.Error(StatusCodes.Status400BadRequest, $"'{body.Role}' is not a role. {Roles.Expected}");
                if (role > caller.Role) return ApiResults.Error(StatusCodes.Status400BadRequest, $"A token cannot have more rights than its owner: {caller.Name} is {Roles.Name(caller.Role)}.");
            }
            DateTimeOffset? expires = null;
            if (body.Expires is not null)
            {
                if (!Durations.TryParse(body.Expires, out var lifetime) || lifetime <= TimeSpan.Zero)
                    return ApiResults.Error(StatusCodes.Status400BadRequest, $"Expiry '{body.Expires}' is not a duration: write it like 30d, 12h or 90m (at most 365d).");
                expires = time.GetUtcNow() + lifetime;
            }
            if (store.GetUser(caller.Name) is null)
                return ApiResults.Error(StatusCodes.Status400BadRequest, $"Tokens belong to a user, and there is no user named {caller.Name}.");
            var value = Secrets.New("bt_");
            var token = store.AddToken(name, caller.Name, role, Secrets.Hash(value), expires);
            var scope = AuditScope.Of(context);
            scope?.Target = $"token {token.Id}";
            scope?.Detail = $"{name}, role {Roles.Name(role)}{(expires is { } e ? ", expires " + e.ToString("O", CultureInfo.InvariantCulture) : "")}";
            return Results.Json(new TokenCreated(token.Id, token.Name, token.Owner, Roles.Name(token.Role), token.Created, token.Expires, value),
                BatonJson.Default.TokenCreated, statusCode: StatusCodes.Status201Created);
        }).RequireRole(Role.Viewer).Audited("token.create")
            .Doc("createToken", "Make an API token for the caller, with at most their role; the answer is the only one with its value.")
            .Body<TokenRequest>().Produces<TokenCreated>(StatusCodes.Status201Created).Errors(StatusCodes.Status400BadRequest, StatusCodes.Status415UnsupportedMediaType);

        app.MapDelete("/api/tokens/{id}", (string id, HttpContext context) =>
        {
            var caller = Caller.Of(context)!;
            AuditScope.Of(context)?.Target = $"token {id}";
            // Someone else's token is as unknown as a missing one to a non-admin.
            if (!long.TryParse(id, NumberStyles.None, CultureInfo.InvariantCulture, out var n) || store.GetToken(n) is not { } token
                || (caller.Role != Role.Admin && !string.Equals(token.Owner, caller.Name, StringComparison.OrdinalIgnoreCase)))
                return ApiResults.Error(StatusCodes.Status404NotFound, $"There is no token {id} of yours; `baton token list` lists them.");
            store.RevokeToken(n);
            AuditScope.Of(context)?.Detail = $"{token.Name} of {token.Owner}";
            return Results.NoContent();
        }).RequireRole(Role.Viewer).Audited("token.revoke")
            .Doc("revokeToken", "Revoke one of the caller's tokens (an admin: anyone's).").Produces(StatusCodes.Status204NoContent).Errors(StatusCodes.Status404NotFound);
    }
}
