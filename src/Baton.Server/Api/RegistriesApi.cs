using Baton.Contracts;
using Baton.Deploy.ServiceFile;
using Baton.Deploy.Store;
using Baton.Registry;
using Baton.Registry.Auth;
using Baton.Registry.Credentials;
using Baton.Router.Routing;
using Baton.Server.Audit;
using Baton.Server.Auth;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

using Baton.Server.RouterLink;

namespace Baton.Server.Api;

/// <summary>
/// A service's image tags, read from its registry, and the registry logins Baton uses for that
/// and for pulls. Logins are admin business (they hold passwords); the tags are for anyone who
/// may read. A registry's failure is a 502 with its sentence: the request was fine, the registry was not.
/// </summary>
internal static class RegistriesApi
{
    public static void Map(IEndpointRouteBuilder app, IRouterAccess router, DeployStore store, RegistryClient registry, RegistryCredentialStore logins)
    {
        app.MapGet("/api/services/{name}/tags", async (string name, CancellationToken ct) =>
        {
            var yaml = store.GetService(name);
            if (yaml is null && !router.Routes(name)) return ApiResults.NotFound(name);
            if (yaml is null || ServiceFileParser.Parse(yaml).Definition is not { } def)
                return ApiResults.Error(StatusCodes.Status404NotFound, $"Service {name} has no image repository (it was not applied from a baton.yml), so it has no tags.");
            var listed = await registry.ListTagsAsync(def.Image, ct);
            if (!listed.TryGetValue(out var list, out var error)) return ApiResults.Error(StatusCodes.Status502BadGateway, error.Message);
            var tags = list.Tags.Select(t => new TagView(t.Tag, t.Digest, t.Created)).ToList();
            return Results.Json(new TagsResponse(name, def.Image, tags), BatonJson.Default.TagsResponse);
        }).RequireRole(Role.Viewer)
            .Doc("listTags", "The tags of the service's image repository, newest first, read from its registry.")
            .Produces<TagsResponse>().Errors(StatusCodes.Status404NotFound, StatusCodes.Status502BadGateway);

        app.MapGet("/api/registries", () =>
            Results.Json(logins.List().Select(l => new RegistryView(l.Host, l.Username)).ToList(), BatonJson.Default.IReadOnlyListRegistryView))
            .RequireRole(Role.Admin)
            .Doc("listRegistryLogins", "The stored registry logins: hosts and user names, never a password.").Produces<IReadOnlyList<RegistryView>>();

        app.MapPut("/api/registries/{host}", async (string host, HttpRequest request, CancellationToken ct) =>
        {
            var (body, problem) = await ApiResults.ReadAsync(request, BatonJson.Default.RegistryLoginRequest);
            if (problem is not null) return problem;
            if (!ImageName.TryParseHost(host, out var normalized, out _, out var hostError)) return ApiResults.Error(StatusCodes.Status400BadRequest, hostError);
            if (string.IsNullOrWhiteSpace(body!.Username) || string.IsNullOrEmpty(body.Password))
                return ApiResults.Error(StatusCodes.Status400BadRequest, "Give both \"username\" and \"password\" of the registry login.");
            var login = new RegistryLogin(body.Username.Trim(), body.Password);
            var checkedLogin = await registry.CheckLoginAsync(normalized, login, ct);
            if (!checkedLogin.IsSuccess)
                return ApiResults.Error(checkedLogin.Error.Kind == RegistryErrorKind.CredentialsRefused ? StatusCodes.Status400BadRequest : StatusCodes.Status502BadGateway,
                    checkedLogin.Error.Message.EndsWith("nothing was stored.", StringComparison.Ordinal)
                        ? checkedLogin.Error.Message
                        : $"{checkedLogin.Error.Message.TrimEnd('.')}; nothing was stored.");
            logins.Set(normalized, login);
            return Results.NoContent();
        }).RequireRole(Role.Admin).Audited("registry.login")
            .Doc("setRegistryLogin", "Store a registry login once the registry accepted it; tag listings and pulls from that host use it.")
            .Body<RegistryLoginRequest>().Produces(StatusCodes.Status204NoContent).Errors(StatusCodes.Status400BadRequest, StatusCodes.Status415UnsupportedMediaType, StatusCodes.Status502BadGateway);

        app.MapDelete("/api/registries/{host}", (string host) =>
        {
            if (!ImageName.TryParseHost(host, out var normalized, out _, out var hostError)) return ApiResults.Error(StatusCodes.Status400BadRequest, hostError);
            return logins.Remove(normalized)
                ? Results.NoContent()
                : ApiResults.Error(StatusCodes.Status404NotFound, $"No login is stored for the registry {normalized}; `baton registry list` shows the stored ones.");
        }).RequireRole(Role.Admin).Audited("registry.logout")
            .Doc("removeRegistryLogin", "Forget the stored login of a registry.").Produces(StatusCodes.Status204NoContent).Errors(StatusCodes.Status400BadRequest, StatusCodes.Status404NotFound);
    }
}
