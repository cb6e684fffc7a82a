using System.Text.Json.Nodes;
using Baton.Contracts;
using Baton.Server.Auth;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.AspNetCore.Routing;
using Microsoft.OpenApi;

namespace Baton.Server.Api;

/// <summary>
/// The OpenAPI 3 document of the admin API at <c>GET /openapi.json</c>, generated from the mapped
/// endpoints and their metadata, so it cannot drift from what the server answers. Each endpoint
/// declares its id, summary, body and answers where it maps; this class adds what every call
/// shares: the two ways to authenticate, the role each call needs (<c>x-baton-role</c> and its
/// description), and the 401/403 answers of the calls that need a role.
/// </summary>
internal static class ApiDocument
{
    public const string Path = "/openapi.json";
    public const string RoleExtension = "x-baton-role";
    private const string Bearer = "bearer";
    private const string Cookie = "session";

    /// <summary>How a deployment's <c>text/event-stream</c> answer reads, for each streaming call's description.</summary>
    private const string EventStream =
        "Answers 200 with `text/event-stream`: one event per step, `event: <kind>` and `data: <DeployEvent JSON>` " +
        "(`{\"kind\": \"step\"|\"info\"|\"done\"|\"failed\", \"message\": \"…\", \"at\": \"<ISO 8601>\"}`); the last event is `done` or `failed`. " +
        "Refusals known before the work starts are plain JSON errors. The operation goes on to its end if the caller disconnects.";

    public static void Configure(OpenApiOptions options)
    {
        options.OpenApiVersion = OpenApiSpecVersion.OpenApi3_1;
        options.AddDocumentTransformer(async (document, context, ct) =>
        {
            document.Info = new OpenApiInfo
            {
                Title = "Baton admin API",
                Version = typeof(ApiDocument).Assembly.GetName().Version?.ToString(3) ?? "1.0.0",
                Description = "Zero-downtime deployments of Docker web apps. Every call needs a bearer token or the web page's " +
                    "`baton_session` cookie (a cookie call that changes something also sends `X-CSRF-Token`), except the few marked " +
                    $"`{RoleExtension}: anyone`. Errors are `ApiError`: one sentence, and nothing was changed.",
            };
            document.Servers = []; // the admin listener's own address, whatever it is
            document.Components ??= new OpenApiComponents();
            document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
            document.Components.SecuritySchemes[Bearer] = new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.Http,
                Scheme = "bearer",
                Description = "The first-start admin token (<data>/admin-token) or an API token (`baton token create`).",
            };
            document.Components.SecuritySchemes[Cookie] = new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.ApiKey,
                In = ParameterLocation.Cookie,
                Name = "baton_session",
                Description = "The web page's session from POST /api/session; POST, PUT, PATCH and DELETE also need the header X-CSRF-Token with its csrfToken.",
            };
            // Every answer's error shape and each streamed event's, even where no call names them.
            document.Components.Schemas ??= new Dictionary<string, IOpenApiSchema>();
            document.Components.Schemas.TryAdd(nameof(ApiError), await context.GetOrCreateSchemaAsync(typeof(ApiError), cancellationToken: ct));
            document.Components.Schemas.TryAdd(nameof(DeployEvent), await context.GetOrCreateSchemaAsync(typeof(DeployEvent), cancellationToken: ct));
            document.Security = [Requirement(document, Bearer), Requirement(document, Cookie)];
        });
        options.AddOperationTransformer((operation, context, ct) =>
        {
            var required = context.Description.ActionDescriptor.EndpointMetadata.OfType<RequiredRole>().LastOrDefault();
            var role = required is null ? "nobody" : required.Role is { } r ? Roles.Name(r) : "anyone";
            operation.Extensions ??= new Dictionary<string, IOpenApiExtension>();
            operation.Extensions[RoleExtension] = new JsonNodeExtension(JsonValue.Create(role));
            var lines = new List<string> { required?.Role is null ? "No token needed." : $"Needs the `{role}` role (or higher)." };
            if (operation.Description is { Length: > 0 } own) lines.Add(own);
            operation.Responses ??= [];
            if (operation.Responses.TryGetValue("200", out var ok) && ok.Content?.ContainsKey("text/event-stream") == true) lines.Add(EventStream);
            operation.Description = string.Join("\n\n", lines);
            if (required?.Role is null)
            {
                operation.Security = []; // no requirement: anonymous
                return Task.CompletedTask;
            }
            operation.Responses.TryAdd("401", Error("No, a wrong, revoked or expired token, or an ended session."));
            operation.Responses.TryAdd("403", Error($"Too low a role (this call needs {role}), or a cookie call without its X-CSRF-Token."));
            return Task.CompletedTask;
        });
    }

    /// <summary>The document itself is readable by any viewer; it names calls and shapes, never a value.</summary>
    public static void Map(WebApplication app) =>
        app.MapOpenApi(Path).RequireRole(Role.Viewer);

    /// <summary>Names the operation (its <c>operationId</c>) and says in a line what it does.</summary>
    public static RouteHandlerBuilder Doc(this RouteHandlerBuilder builder, string id, string summary, string? description = null)
    {
        builder.WithName(id).WithSummary(summary);
        return description is null ? builder : builder.WithDescription(description);
    }

    /// <summary>The error answers a call can give besides 401/403, each an <see cref="ApiError"/>.</summary>
    public static RouteHandlerBuilder Errors(this RouteHandlerBuilder builder, params int[] statuses)
    {
        foreach (var status in statuses) builder.Produces<ApiError>(status, "application/json");
        return builder;
    }

    /// <summary>A JSON body the handler reads itself (so the framework cannot see it).</summary>
    public static RouteHandlerBuilder Body<T>(this RouteHandlerBuilder builder, bool optional = false) where T : notnull =>
        builder.Accepts<T>(optional, "application/json");

    /// <summary>A deployment's progress, streamed as server-sent events of <see cref="DeployEvent"/>.</summary>
    public static RouteHandlerBuilder Events(this RouteHandlerBuilder builder) =>
        builder.Produces<DeployEvent>(StatusCodes.Status200OK, "text/event-stream");

    private static OpenApiSecurityRequirement Requirement(OpenApiDocument document, string scheme) =>
        new() { [new OpenApiSecuritySchemeReference(scheme, document)] = [] };

    private static OpenApiResponse Error(string description) => new()
    {
        Description = description,
        Content = new Dictionary<string, OpenApiMediaType>
        {
            ["application/json"] = new OpenApiMediaType { Schema = new OpenApiSchemaReference(nameof(ApiError)) },
        },
    };
}
