using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Baton.FunctionalTests.Infrastructure;
using Baton.Server.Auth;
using Microsoft.AspNetCore.Routing;

namespace Baton.FunctionalTests.Api;

/// <summary>The OpenAPI document at <c>GET /openapi.json</c>, checked against the routes the server really maps.</summary>
public sealed class OpenApiTests
{
    private static readonly string[] Streaming = ["deploy", "promote", "abort", "rollback"];

    [Fact]
    public async Task Document_ListsEveryApiRouteWithItsMethodsRoleAndErrorSchema()
    {
        await using var host = await RouterHost.StartAsync();
        using var admin = AccessClient.WithToken(host.AdminUri, host.Token);
        var (status, body, response) = await admin.GetAsync("/openapi.json");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        using var document = JsonDocument.Parse(body);
        var root = document.RootElement;
        Assert.StartsWith("3.", root.GetProperty("openapi").GetString());
        var paths = root.GetProperty("paths");
        var components = root.GetProperty("components");

        // The error shape, and both ways to authenticate.
        var error = components.GetProperty("schemas").GetProperty("ApiError");
        Assert.True(error.GetProperty("properties").TryGetProperty("error", out _), error.ToString());
        Assert.Contains("error", error.GetProperty("required").EnumerateArray().Select(e => e.GetString()));
        Assert.True(components.GetProperty("schemas").TryGetProperty("DeployEvent", out _));
        var schemes = components.GetProperty("securitySchemes");
        Assert.Equal("bearer", schemes.GetProperty("bearer").GetProperty("scheme").GetString());
        Assert.Equal("cookie", schemes.GetProperty("session").GetProperty("in").GetString());
        Assert.Equal("baton_session", schemes.GetProperty("session").GetProperty("name").GetString());

        // Every /api route the server maps, with each of its methods, from the server's own endpoint list.
        var mapped = host.Server.AdminEndpoints
            .Where(e => e.RoutePattern.RawText?.StartsWith("/api/", StringComparison.Ordinal) == true)
            .SelectMany(e => (e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? ["GET"])
                .Select(m => (Method: m, Path: Regex.Replace(e.RoutePattern.RawText!, @"\{\*+", "{"), Role: e.Metadata.GetMetadata<RequiredRole>())))
            .ToList();
        Assert.True(mapped.Count >= 25, $"only {mapped.Count} /api routes found");
        Assert.Contains(mapped, r => r.Path == "/api/services/{name}/releases");
        var ids = new HashSet<string>();
        foreach (var (method, path, role) in mapped)
        {
            var where = $"{method} {path}";
            Assert.True(paths.TryGetProperty(path, out var item), $"{where} is not in the document");
            Assert.True(item.TryGetProperty(method.ToLowerInvariant(), out var operation), $"{where}: the document lacks the method");
            var id = operation.GetProperty("operationId").GetString();
            Assert.False(string.IsNullOrWhiteSpace(id), $"{where} has no operationId");
            Assert.True(ids.Add(id!), $"{where}: operationId {id} is used twice");
            Assert.False(string.IsNullOrWhiteSpace(operation.GetProperty("summary").GetString()), $"{where} has no summary");
            Assert.Equal(role!.Role is { } r ? Roles.Name(r) : "anyone", operation.GetProperty("x-baton-role").GetString());
            foreach (var name in Regex.Matches(path, @"\{(\w+)\}").Select(m => m.Groups[1].Value))
                Assert.True(operation.GetProperty("parameters").EnumerateArray().Any(p => p.GetProperty("name").GetString() == name && p.GetProperty("in").GetString() == "path"),
                    $"{where} does not declare its path parameter {name}");

            var responses = operation.GetProperty("responses");
            Assert.True(responses.EnumerateObject().Any(p => p.Name.StartsWith('2')), $"{where} declares no success answer");
            if (role.Role is not null)
            {
                Assert.True(responses.TryGetProperty("401", out _), $"{where} lacks 401");
                Assert.True(responses.TryGetProperty("403", out _), $"{where} lacks 403");
            }
            foreach (var answer in responses.EnumerateObject().Where(p => p.Name[0] is '4' or '5'))
                Assert.Equal("#/components/schemas/ApiError", answer.Value.GetProperty("content").GetProperty("application/json").GetProperty("schema").GetProperty("$ref").GetString());
            if (path.Contains("{name}", StringComparison.Ordinal) && path.StartsWith("/api/services/", StringComparison.Ordinal))
                Assert.True(responses.TryGetProperty("404", out _), $"{where} does not declare 404 for an unknown service");
            if (method != "GET" && operation.TryGetProperty("requestBody", out var requestBody))
                Assert.True(requestBody.GetProperty("content").TryGetProperty("application/json", out _), $"{where}: the body is not JSON");
        }

        // Calls that read a JSON body by hand still declare it.
        foreach (var (path, schema) in new[] { ("/api/services/{name}/deploy", "DeployRequest"), ("/api/services", "ApplyRequest"), ("/api/session", "SessionRequest"), ("/api/services/{name}/maintenance", "MaintenanceRequest") })
            Assert.Equal($"#/components/schemas/{schema}", paths.GetProperty(path).GetProperty("post").GetProperty("requestBody").GetProperty("content").GetProperty("application/json").GetProperty("schema").GetProperty("$ref").GetString());

        // The long operations answer a stream of DeployEvents, and say so.
        foreach (var verb in Streaming)
        {
            var operation = paths.GetProperty($"/api/services/{{name}}/{verb}").GetProperty("post");
            var stream = operation.GetProperty("responses").GetProperty("200").GetProperty("content").GetProperty("text/event-stream");
            Assert.Equal("#/components/schemas/DeployEvent", stream.GetProperty("schema").GetProperty("$ref").GetString());
            Assert.Contains("DeployEvent", operation.GetProperty("description").GetString());
            Assert.Contains("deployer", operation.GetProperty("description").GetString());
        }
        var releases = paths.GetProperty("/api/services/{name}/releases").GetProperty("get").GetProperty("responses").GetProperty("200");
        Assert.Equal("#/components/schemas/ReleasesResponse", releases.GetProperty("content").GetProperty("application/json").GetProperty("schema").GetProperty("$ref").GetString());
    }

    [Fact]
    public async Task Document_NeedsAViewer_AndHoldsNoSecret()
    {
        await using var host = await RouterHost.StartAsync();
        using var anonymous = AccessClient.Anonymous(host.AdminUri);
        var (refused, refusedBody, _) = await anonymous.GetAsync("/openapi.json");
        Assert.Equal(HttpStatusCode.Unauthorized, refused);
        Assert.Contains("\"error\"", refusedBody);

        using var admin = AccessClient.WithToken(host.AdminUri, host.Token);
        await admin.AddUserAsync("vic", "viewer", "vic-password-12345");
        using var viewer = await AccessClient.SignInAsync(host.AdminUri, "vic", "vic-password-12345");
        var (status, body, _) = await viewer.GetAsync("/openapi.json");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.DoesNotContain(host.Token, body);
        Assert.DoesNotContain(host.Server.CreatedPassword!, body);
        Assert.DoesNotContain(viewer.SessionCookie(host.AdminUri), body);
        Assert.DoesNotContain(viewer.Csrf!, body);
    }
}
