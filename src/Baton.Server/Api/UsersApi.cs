using System.Text.RegularExpressions;
using Baton.Contracts;
using Baton.Server.Audit;
using Baton.Server.Auth;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Baton.Server.Api;

/// <summary>Users and their roles (admins only). No answer ever holds a password or its hash.</summary>
internal static partial class UsersApi
{
    public static void Map(IEndpointRouteBuilder app, AccessStore store)
    {
        app.MapGet("/api/users", () =>
            Results.Json(new UsersResponse(store.Users().Select(View).ToList()), BatonJson.Default.UsersResponse))
            .RequireRole(Role.Admin)
            .Doc("listUsers", "Every user with their role; never a password.").Produces<UsersResponse>();

        app.MapPost("/api/users", async (HttpContext context) =>
        {
            var (body, problem) = await ApiResults.ReadAsync(context.Request, BatonJson.Default.UserRequest);
            if (problem is not null) return problem;
            var name = body!.Name?.Trim() ?? "";
            AuditScope.Of(context)?.Target = name;
            if (!ValidName().IsMatch(name))
                return ApiResults.Error(StatusCodes.Status400BadRequest, "A user name is 1 to 64 letters, digits, '.', '_', '-' or '@', starting with a letter or digit.");
            if (!Roles.TryParse(body.Role, out var role))
                return ApiResults.Error(StatusCodes.Status400BadRequest, $"Give the user's role: {Roles.Expected}");
            if (PasswordHasher.Problem(body.Password) is { } bad) return ApiResults.Error(StatusCodes.Status400BadRequest, bad);
            AuditScope.Of(context)?.Detail = $"role {Roles.Name(role)}";
            if (!store.AddUser(name, role, PasswordHasher.Hash(body.Password!)))
                return ApiResults.Error(StatusCodes.Status409Conflict, $"There is already a user named {name}.");
            return Results.Json(View(store.GetUser(name)!), BatonJson.Default.UserView, statusCode: StatusCodes.Status201Created);
        }).RequireRole(Role.Admin).Audited("user.add")
            .Doc("addUser", "Add a user with a role and a password.")
            .Body<UserRequest>().Produces<UserView>(StatusCodes.Status201Created).Errors(StatusCodes.Status400BadRequest, StatusCodes.Status409Conflict, StatusCodes.Status415UnsupportedMediaType);

        app.MapPut("/api/users/{name}", async (string name, HttpContext context) =>
        {
            var (body, problem) = await ApiResults.ReadAsync(context.Request, BatonJson.Default.UserUpdate);
            if (problem is not null) return problem;
            Role? role = null;
            if (body!.Role is not null)
            {
                if (!Roles.TryParse(body.Role, out var r)) return ApiResults.Error(StatusCodes.Status400BadRequest, $"'{body.Role}' is not a role. {Roles.Expected}");
                role = r;
            }
            if (body.Password is not null && PasswordHasher.Problem(body.Password) is { } bad) return ApiResults.Error(StatusCodes.Status400BadRequest, bad);
            if (role is null && body.Password is null && body.Disabled is null)
                return ApiResults.Error(StatusCodes.Status400BadRequest, "Give what to change: \"role\", \"password\" or \"disabled\".");
            AuditScope.Of(context)?.Detail = string.Join(", ", new[]
            {
                role is { } x ? $"role {Roles.Name(x)}" : null,
                body.Password is not null ? "new password" : null,
                body.Disabled is { } d ? (d ? "disabled" : "enabled") : null,
            }.OfType<string>());
            if (store.GetUser(name) is null) return UnknownUser(name);
            if (store.UpdateUser(name, role, body.Password is null ? null : PasswordHasher.Hash(body.Password), body.Disabled) is { } refused)
                return ApiResults.Error(StatusCodes.Status409Conflict, refused);
            return Results.Json(View(store.GetUser(name)!), BatonJson.Default.UserView);
        }).RequireRole(Role.Admin).Audited("user.change")
            .Doc("changeUser", "Change a user's role or password, or disable or enable them.")
            .Body<UserUpdate>().Produces<UserView>().Errors(StatusCodes.Status400BadRequest, StatusCodes.Status404NotFound, StatusCodes.Status409Conflict, StatusCodes.Status415UnsupportedMediaType);

        app.MapDelete("/api/users/{name}", (string name) =>
        {
            if (store.GetUser(name) is null) return UnknownUser(name);
            if (store.DeleteUser(name) is { } refused) return ApiResults.Error(StatusCodes.Status409Conflict, refused);
            return Results.NoContent();
        }).RequireRole(Role.Admin).Audited("user.remove")
            .Doc("removeUser", "Remove a user: their sessions end and their tokens are revoked.")
            .Produces(StatusCodes.Status204NoContent).Errors(StatusCodes.Status404NotFound, StatusCodes.Status409Conflict);
    }

    private static IResult UnknownUser(string name) =>
        ApiResults.Error(StatusCodes.Status404NotFound, $"There is no user named {name}; `baton user list` lists them.");

    private static UserView View(UserRecord u) => new(u.Name, Roles.Name(u.Role), u.Created, u.Disabled);

    [GeneratedRegex(@"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$")]
    private static partial Regex ValidName();
}
