using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Baton.Contracts;
using Baton.FunctionalTests.Deploy;
using Baton.FunctionalTests.Infrastructure;

namespace Baton.FunctionalTests.Auth;

/// <summary>No secret ever comes back from the API; the CLI manages users and tokens; the audit log says who did what.</summary>
public sealed class SecretsAndAuditTests
{
    private static string Sha256Hex(string s) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(s)));

    private static string PrintedSecret(CliResult result) =>
        result.Stdout.Split('\n').Select(l => l.Trim()).Last(l => l.Length > 0);

    [Fact]
    public async Task EveryGetRoute_NeverShowsPasswordsTokensHashesOrEnvSecrets()
    {
        await using var host = await RouterHost.StartAsync();
        var env = new Dictionary<string, string?> { ["BATON_URL"] = host.AdminUri.ToString(), ["BATON_TOKEN"] = host.Token };
        const string envSecret = "env-secret-7f3a9c1e";
        using var admin = AccessClient.WithToken(host.AdminUri, host.Token);
        var yaml = $"service: shop\nimage: 127.0.0.1:5000/shop\nhosts: [shop.localhost]\nenv:\n  DB_URL: {{ secret: \"{envSecret}\" }}\n";
        var (applied, appliedBody, _) = await admin.PostAsync("/api/services", JsonSerializer.Serialize(new ApplyRequest(yaml, "baton.yml"), BatonJson.Default.ApplyRequest));
        Assert.True(applied == HttpStatusCode.OK, appliedBody);

        // A user with a generated password, and a token, both made with the real CLI.
        var added = await BatonCli.RunAsync(env, ["user", "add", "carol", "--role", "deployer"]);
        Assert.True(added.ExitCode == 0, added.ToString());
        var carolPassword = PrintedSecret(added);
        using var carol = await AccessClient.SignInAsync(host.AdminUri, "carol", carolPassword);
        var created = await BatonCli.RunAsync(env, ["token", "create", "--name", "ci", "--role", "viewer", "--expires", "30d"]);
        Assert.True(created.ExitCode == 0, created.ToString());
        var ciToken = PrintedSecret(created);
        Assert.StartsWith("bt_", ciToken);
        using var ci = AccessClient.WithToken(host.AdminUri, ciToken);
        Assert.Equal(HttpStatusCode.OK, (await ci.GetAsync("/api/status")).Status);
        var cookieValue = carol.SessionCookie(host.AdminUri);

        string[] secrets = [envSecret, host.Server.CreatedPassword!, carolPassword, host.Token, ciToken, Sha256Hex(host.Token), Sha256Hex(ciToken), cookieValue, Sha256Hex(cookieValue), "pbkdf2"];
        var checkedRoutes = 0;
        foreach (var (method, path, _) in AccessTests.Routes(host, "shop").Where(r => r.Method == "GET"))
        {
            foreach (var caller in new[] { admin, carol, ci })
            {
                var (_, body, _) = await caller.GetAsync(path);
                foreach (var secret in secrets)
                    Assert.False(body.Contains(secret, StringComparison.OrdinalIgnoreCase), $"GET {path} shows a secret ({secret[..Math.Min(6, secret.Length)]}…): {body}");
            }
            checkedRoutes++;
        }
        Assert.True(checkedRoutes >= 10, $"only {checkedRoutes} GET routes");
        foreach (var listing in new[] { await BatonCli.RunAsync(env, ["user", "list"]), await BatonCli.RunAsync(env, ["token", "list"]), await BatonCli.RunAsync(env, ["audit"]) })
        {
            Assert.True(listing.ExitCode == 0, listing.ToString());
            foreach (var secret in secrets) Assert.DoesNotContain(secret, listing.Stdout);
        }
        Assert.Contains("carol", (await BatonCli.RunAsync(env, ["user", "list"])).Stdout);
        Assert.Contains("ci", (await BatonCli.RunAsync(env, ["token", "list"])).Stdout);
    }

    [Fact]
    public async Task Cli_UserSetRemoveAndTokenRevoke_TakeEffect()
    {
        await using var host = await RouterHost.StartAsync();
        var env = new Dictionary<string, string?> { ["BATON_URL"] = host.AdminUri.ToString(), ["BATON_TOKEN"] = host.Token };
        var added = await BatonCli.RunAsync(env, ["user", "add", "dave", "--role", "viewer"]);
        Assert.True(added.ExitCode == 0, added.ToString());
        using (var dave = await AccessClient.SignInAsync(host.AdminUri, "dave", PrintedSecret(added)))
        {
            var token = await dave.CreateTokenAsync("daves-laptop");
            var set = await BatonCli.RunAsync(env, ["user", "set", "dave", "--role", "deployer"]);
            Assert.True(set.ExitCode == 0, set.ToString());
            Assert.Contains("\"role\":\"deployer\"", (await dave.GetAsync("/api/session")).Body);

            var duplicate = await BatonCli.RunAsync(env, ["user", "add", "dave", "--role", "viewer"]);
            Assert.Equal(6, duplicate.ExitCode);
            BatonCli.AssertOneSentence(duplicate);

            var revoked = await BatonCli.RunAsync(env, ["token", "revoke", token.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
            Assert.True(revoked.ExitCode == 0, revoked.ToString());
            var byToken = await BatonCli.RunAsync(new Dictionary<string, string?> { ["BATON_URL"] = host.AdminUri.ToString(), ["BATON_TOKEN"] = token.Token }, ["status"]);
            Assert.Equal(3, byToken.ExitCode);
            BatonCli.AssertOneSentence(byToken);

            var removed = await BatonCli.RunAsync(env, ["user", "remove", "dave"]);
            Assert.True(removed.ExitCode == 0, removed.ToString());
            Assert.Equal(HttpStatusCode.Unauthorized, (await dave.GetAsync("/api/status")).Status);
        }

        // The last admin stays.
        var last = await BatonCli.RunAsync(env, ["user", "remove", "admin"]);
        Assert.Equal(6, last.ExitCode);
        Assert.Contains("last enabled admin", last.Stderr);

        var audit = await BatonCli.RunAsync(env, ["audit", "--json"]);
        var actions = JsonSerializer.Deserialize(audit.Stdout, BatonJson.Default.AuditResponse)!.Entries.Select(e => $"{e.Action} {e.Target} {e.Outcome}").ToList();
        Assert.Contains("user.add dave succeeded", actions);
        Assert.Contains("user.change dave succeeded", actions);
        Assert.Contains("user.add dave failed", actions);
        Assert.Contains("user.remove dave succeeded", actions);
        Assert.Contains("user.remove admin failed", actions);
        Assert.Contains(actions, a => a.StartsWith("token.create token ", StringComparison.Ordinal));
        Assert.Contains(actions, a => a.StartsWith("token.revoke token ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Audit_DeployByDeployerUser_ShowsWhoWhatAndOutcome()
    {
        await using var app = await BlueGreenApp.StartAsync();
        using var admin = AccessClient.WithToken(app.AdminUri, app.CliEnvironment["BATON_TOKEN"]!);
        await admin.AddUserAsync("dana", "deployer", "dana-password-1234");
        await admin.AddUserAsync("vic", "viewer", "vic-password-12345");
        using var dana = await AccessClient.SignInAsync(app.AdminUri, "dana", "dana-password-1234");
        using var vic = await AccessClient.SignInAsync(app.AdminUri, "vic", "vic-password-12345");
        var danaEnv = new Dictionary<string, string?> { ["BATON_URL"] = app.AdminUri.ToString(), ["BATON_TOKEN"] = (await dana.CreateTokenAsync("dana-cli")).Token };
        var vicEnv = new Dictionary<string, string?> { ["BATON_URL"] = app.AdminUri.ToString(), ["BATON_TOKEN"] = (await vic.CreateTokenAsync("vic-cli")).Token };

        var refused = await BatonCli.RunAsync(vicEnv, ["deploy", app.Name, "--image", SampleImages.Image("v1")], TimeSpan.FromSeconds(90));
        Assert.Equal(3, refused.ExitCode);
        Assert.Contains("deployer", refused.Stderr);

        var deployed = await BatonCli.RunAsync(danaEnv, ["deploy", app.Name, "--image", SampleImages.Image("v1")], TimeSpan.FromSeconds(90));
        Assert.True(deployed.ExitCode == 0, deployed.ToString());
        Assert.Equal("v1", await app.LiveVersionAsync());
        Assert.Equal("dana", (await app.LatestAsync()).Author);

        var maintenance = await BatonCli.RunAsync(danaEnv, ["maintenance", app.Name, "on"]);
        Assert.True(maintenance.ExitCode == 0, maintenance.ToString());

        var audit = await BatonCli.RunAsync(vicEnv, ["audit", "--service", app.Name, "--json"]);
        Assert.True(audit.ExitCode == 0, audit.ToString());
        var entries = JsonSerializer.Deserialize(audit.Stdout, BatonJson.Default.AuditResponse)!.Entries;
        Assert.All(entries, e => Assert.Equal(app.Name, e.Target));
        var deploy = Assert.Single(entries, e => e.Action == "deploy" && e.Outcome == "succeeded");
        Assert.Equal("dana", deploy.Actor);
        Assert.Contains("vic", entries.Where(e => e.Action == "deploy" && e.Outcome == "refused").Select(e => e.Actor));
        var on = Assert.Single(entries, e => e.Action == "maintenance");
        Assert.Equal(("dana", "succeeded", "on"), (on.Actor, on.Outcome, on.Detail));
        // Newest first.
        Assert.True(entries.Select(e => e.Id).SequenceEqual(entries.Select(e => e.Id).OrderDescending()));
        var human = await BatonCli.RunAsync(vicEnv, ["audit", "--service", app.Name]);
        Assert.Contains("dana", human.Stdout);
        Assert.Contains("deploy", human.Stdout);
    }
}
