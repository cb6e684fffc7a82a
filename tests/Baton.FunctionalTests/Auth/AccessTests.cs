using System.Net;
using System.Text.RegularExpressions;
using Baton.FunctionalTests.Infrastructure;
using Baton.Server.Auth;
using Microsoft.AspNetCore.Routing;

namespace Baton.FunctionalTests.Auth;

/// <summary>Who may call what on the admin listener: anonymous callers, roles, sessions, CSRF, tokens.</summary>
public sealed class AccessTests
{
    private const string Json = """{"name":"x","role":"viewer","password":"long-enough-password","image":"127.0.0.1:5000/x:v1","on":true,"percent":5}""";

    /// <summary>Every mapped route and method, with its parameters filled in.</summary>
    internal static IEnumerable<(string Method, string Path, RequiredRole? Role)> Routes(RouterHost host, string service = "svc") =>
        host.Server.AdminEndpoints.SelectMany(e =>
        {
            var methods = e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? ["GET"];
            var path = Regex.Replace(e.RoutePattern.RawText ?? "/", @"\{\*{0,2}([A-Za-z]+)[^}]*\}", m => m.Groups[1].Value switch
            {
                "name" => service,
                "id" => "1",
                _ => "x",
            });
            return methods.Select(m => (m, path, e.Metadata.GetMetadata<RequiredRole>()));
        });

    [Fact]
    public async Task EveryRoute_Anonymous_Refused401UnlessDeclaredAnonymous()
    {
        await using var host = await RouterHost.StartAsync();
        using var anonymous = AccessClient.Anonymous(host.AdminUri);
        var routes = Routes(host).ToList();
        Assert.True(routes.Count >= 20, $"only {routes.Count} routes found");
        var open = new List<string>();
        foreach (var (method, path, role) in routes)
        {
            Assert.True(role is not null, $"{method} {path} declares no role");
            if (role!.Role is null)
            {
                open.Add($"{method} {path}");
                continue;
            }
            var (status, body, _) = await anonymous.SendAsync(new HttpMethod(method), path, method is "GET" or "DELETE" ? null : Json);
            Assert.True(status == HttpStatusCode.Unauthorized, $"anonymous {method} {path} answered {(int)status}: {body}");
            Assert.Contains("\"error\"", body);
        }
        // Only the calls the contract names are open: the probe, the sign-in, and the web page's files.
        Assert.Equal(["GET /", "GET /assets/x", "GET /healthz", "POST /api/session"], open.Order());
        // A wrong token is refused the same way.
        using var wrong = AccessClient.WithToken(host.AdminUri, "bt_not-a-real-token");
        var (s, b, _) = await wrong.GetAsync("/api/status");
        Assert.Equal(HttpStatusCode.Unauthorized, s);
        Assert.Contains("not accepted", b);
    }

    [Fact]
    public async Task FirstStart_AdminUserWithPasswordFile_SignsIn()
    {
        await using var host = await RouterHost.StartAsync();
        var file = Path.Combine(host.DataDirectory, "admin-password");
        if (!OperatingSystem.IsWindows()) Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
        var password = (await File.ReadAllTextAsync(file)).Trim();
        Assert.Equal(password, host.Server.CreatedPassword);
        using var admin = await AccessClient.SignInAsync(host.AdminUri, "admin", password);
        var (status, body, _) = await admin.GetAsync("/api/session");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Contains("\"user\":\"admin\"", body);
        Assert.Contains("\"role\":\"admin\"", body);
    }

    [Fact]
    public async Task Viewer_ReadsStatus_CannotDeployOrChange()
    {
        await using var host = await RouterHost.StartAsync();
        using var admin = AccessClient.WithToken(host.AdminUri, host.Token);
        await admin.AddUserAsync("vera", "viewer", "vera-password-1234");
        using var vera = await AccessClient.SignInAsync(host.AdminUri, "vera", "vera-password-1234");

        Assert.Equal(HttpStatusCode.OK, (await vera.GetAsync("/api/status")).Status);
        Assert.Equal(HttpStatusCode.OK, (await vera.GetAsync("/api/audit")).Status);
        var (status, body, _) = await vera.PostAsync("/api/services/shop/deploy", """{"targets":["127.0.0.1:9"]}""");
        Assert.Equal(HttpStatusCode.Forbidden, status);
        Assert.Contains("deployer", body);
        Assert.Equal(HttpStatusCode.Forbidden, (await vera.PostAsync("/api/services/shop/maintenance", """{"on":true}""")).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await vera.SendAsync(HttpMethod.Delete, "/api/services/shop")).Status);
        // Nothing was deployed.
        Assert.Null(await host.StatusAsync("shop"));

        // A viewer's token is no stronger than the viewer.
        var token = await vera.CreateTokenAsync("vera-ci");
        Assert.Equal("viewer", token.Role);
        using var byToken = AccessClient.WithToken(host.AdminUri, token.Token);
        Assert.Equal(HttpStatusCode.OK, (await byToken.GetAsync("/api/status")).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await byToken.PostAsync("/api/services/shop/deploy", """{"targets":["127.0.0.1:9"]}""")).Status);
        var (tooHigh, tooHighBody, _) = await vera.PostAsync("/api/tokens", """{"name":"x","role":"admin"}""");
        Assert.Equal(HttpStatusCode.BadRequest, tooHigh);
        Assert.Contains("more rights", tooHighBody);
    }

    [Fact]
    public async Task Deployer_CannotManageUsers()
    {
        await using var host = await RouterHost.StartAsync();
        using var admin = AccessClient.WithToken(host.AdminUri, host.Token);
        await admin.AddUserAsync("dana", "deployer", "dana-password-1234");
        using var dana = await AccessClient.SignInAsync(host.AdminUri, "dana", "dana-password-1234");

        Assert.Equal(HttpStatusCode.Forbidden, (await dana.GetAsync("/api/users")).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await dana.PostAsync("/api/users", """{"name":"eve","role":"admin","password":"eve-password-1234"}""")).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await dana.SendAsync(HttpMethod.Put, "/api/users/dana", """{"role":"admin"}""")).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await dana.SendAsync(HttpMethod.Delete, "/api/users/admin")).Status);

        var (_, users, _) = await admin.GetAsync("/api/users");
        Assert.DoesNotContain("eve", users);
        Assert.Contains("\"name\":\"dana\",\"role\":\"deployer\"", users);
        Assert.Contains("\"name\":\"admin\",\"role\":\"admin\"", users);
    }

    [Fact]
    public async Task CookiePost_WithoutCsrfToken_Refused403AndNothingChanged()
    {
        await using var host = await RouterHost.StartAsync();
        using var admin = await AccessClient.SignInAsync(host.AdminUri, "admin", host.Server.CreatedPassword!);

        var (status, body, _) = await admin.PostAsync("/api/users", """{"name":"mallory","role":"admin","password":"mallory-password-1"}""", csrf: false);
        Assert.Equal(HttpStatusCode.Forbidden, status);
        Assert.Contains("X-CSRF-Token", body);
        var (wrongStatus, _, _) = await admin.SendAsync(HttpMethod.Delete, "/api/session", csrf: false);
        Assert.Equal(HttpStatusCode.Forbidden, wrongStatus);

        var (_, users, _) = await admin.GetAsync("/api/users");
        Assert.DoesNotContain("mallory", users);
        // The session still works, and with the header the same call goes through.
        await admin.AddUserAsync("mallory", "viewer", "mallory-password-1");
        // Signing out ends the session.
        Assert.Equal(HttpStatusCode.NoContent, (await admin.SendAsync(HttpMethod.Delete, "/api/session")).Status);
        Assert.Equal(HttpStatusCode.Unauthorized, (await admin.GetAsync("/api/session")).Status);
    }

    [Fact]
    public async Task RevokedToken_Refused401()
    {
        await using var host = await RouterHost.StartAsync();
        using var admin = AccessClient.WithToken(host.AdminUri, host.Token);
        var created = await admin.CreateTokenAsync("ci", role: "deployer", expires: "30d");
        using var ci = AccessClient.WithToken(host.AdminUri, created.Token);
        Assert.Equal(HttpStatusCode.OK, (await ci.GetAsync("/api/status")).Status);

        var (_, list, _) = await admin.GetAsync("/api/tokens");
        Assert.Contains("\"name\":\"ci\"", list);
        Assert.DoesNotContain(created.Token, list);

        Assert.Equal(HttpStatusCode.NoContent, (await admin.SendAsync(HttpMethod.Delete, $"/api/tokens/{created.Id}")).Status);
        var (status, body, _) = await ci.GetAsync("/api/status");
        Assert.Equal(HttpStatusCode.Unauthorized, status);
        Assert.Contains("revoked", body);
        Assert.Contains("\"revoked\":true", (await admin.GetAsync("/api/tokens")).Body);
    }

    [Fact]
    public async Task IdleSession_Expires401()
    {
        await using var host = await RouterHost.StartAsync(configure: o => o with { SessionIdleTimeout = TimeSpan.FromSeconds(1) });
        using var admin = await AccessClient.SignInAsync(host.AdminUri, "admin", host.Server.CreatedPassword!);
        Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync("/api/status")).Status);
        await Task.Delay(TimeSpan.FromSeconds(1.5));
        var (status, body, response) = await admin.GetAsync("/api/status");
        Assert.Equal(HttpStatusCode.Unauthorized, status);
        Assert.Contains("sign in again", body);
        Assert.Contains(response.Headers.GetValues("Set-Cookie"), c => c.StartsWith("baton_session=;", StringComparison.Ordinal));
    }

    [Fact]
    public async Task RepeatedWrongPasswords_Throttled429_RightPasswordRefusedUntilDelayPasses()
    {
        await using var host = await RouterHost.StartAsync(configure: o => o with
        {
            LoginThrottle = new LoginThrottleOptions { FreeFailuresPerUser = 3, FirstDelay = TimeSpan.FromSeconds(2) },
        });
        using var anonymous = AccessClient.Anonymous(host.AdminUri);
        var password = host.Server.CreatedPassword!;
        for (int i = 0; i < 2; i++)
        {
            var (s, b, _) = await anonymous.PostAsync("/api/session", """{"user":"admin","password":"wrong-password-123"}""");
            Assert.Equal(HttpStatusCode.Unauthorized, s);
            Assert.Contains("Wrong user name or password", b);
        }
        // The third failure starts the delay: from now on even the right password waits.
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.PostAsync("/api/session", """{"user":"admin","password":"wrong-password-123"}""")).Status);
        var (status, body, response) = await anonymous.PostAsync("/api/session", $$"""{"user":"admin","password":"{{password}}"}""");
        Assert.Equal((HttpStatusCode)429, status);
        Assert.Contains("try again", body);
        var retryAfter = response.Headers.RetryAfter?.Delta;
        Assert.NotNull(retryAfter);
        Assert.InRange(retryAfter!.Value.TotalSeconds, 1, 2);
        Assert.DoesNotContain(response.Headers, h => h.Key == "Set-Cookie");

        await Task.Delay(retryAfter.Value + TimeSpan.FromMilliseconds(300));
        Assert.Equal(HttpStatusCode.OK, (await anonymous.PostAsync("/api/session", $$"""{"user":"admin","password":"{{password}}"}""")).Status);

        // Each sign-in attempt is in the audit log.
        using var admin = AccessClient.WithToken(host.AdminUri, host.Token);
        var audit = (await admin.GetAsync("/api/audit")).Body;
        Assert.Contains("\"action\":\"login\",\"outcome\":\"refused\"", audit);
        Assert.Contains("\"action\":\"login\",\"outcome\":\"failed\"", audit);
        Assert.Contains("\"action\":\"login\",\"outcome\":\"succeeded\"", audit);
    }

    [Fact]
    public async Task AdminAnswers_CarrySecurityHeaders()
    {
        await using var host = await RouterHost.StartAsync();
        using var anonymous = AccessClient.Anonymous(host.AdminUri);
        foreach (var path in new[] { "/healthz", "/api/status" })
        {
            var (_, _, response) = await anonymous.GetAsync(path);
            Assert.Equal("nosniff", Assert.Single(response.Headers.GetValues("X-Content-Type-Options")));
            Assert.Equal("no-referrer", Assert.Single(response.Headers.GetValues("Referrer-Policy")));
            Assert.Equal("DENY", Assert.Single(response.Headers.GetValues("X-Frame-Options")));
        }
        var (_, _, api) = await anonymous.GetAsync("/api/status");
        Assert.True(api.Headers.CacheControl?.NoStore, "no Cache-Control: no-store on /api");
    }
}
