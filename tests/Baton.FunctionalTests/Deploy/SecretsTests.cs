using Baton.Deploy;
using Baton.FunctionalTests.Infrastructure;

namespace Baton.FunctionalTests.Deploy;

/// <summary>Secrets of a service file are never shown back: not in API answers, not in CLI output.</summary>
public sealed class SecretsTests
{
    [Fact]
    public async Task Secrets_NeverInApiAnswersNorCliOutput()
    {
        var secret = "s3cr3t-" + Guid.NewGuid().ToString("N")[..12];
        var env = $"env:\n  DB_PASSWORD: {{ secret: {secret} }}\n  PLAIN: visible-value\nrelease_task:\n  command: [migrate]";
        await using var app = await BlueGreenApp.StartAsync(env);
        var outputs = new List<string>();
        void Keep(CliResult r) => outputs.Add(r.Stdout + r.Stderr);

        Keep(await app.ApplyAsync(app.Yaml(env)));
        Keep(await app.DeployOkAsync("v1"));
        Keep(await app.DeployOkAsync("v2", "--hold"));
        Keep(await app.CliAsync("promote", app.Name));
        Keep(await app.CliAsync("rollback", app.Name));
        foreach (var args in new[] { new[] { "status" }, ["status", app.Name], ["status", "--json"], ["status", app.Name, "--json"], ["history", app.Name], ["history", app.Name, "--json"] })
        {
            var r = await app.CliAsync(args);
            Assert.True(r.ExitCode == 0, r.ToString());
            Keep(r);
        }
        // A failing deploy's message carries the task's log lines: still no secret.
        await app.ApplyOkAsync(app.Yaml(env.Replace("PLAIN: visible-value", "PLAIN: visible-value\n  MIGRATE_FAIL: \"1\"", StringComparison.Ordinal)));
        var failed = await app.DeployAsync("v3");
        Assert.True(failed.ExitCode == 1, failed.ToString());
        Keep(failed);

        var definition = await app.ApiAsync(HttpMethod.Get, $"api/services/{app.Name}/definition");
        Assert.Equal(200, definition.Status);
        Assert.Contains("visible-value", definition.Body);
        Assert.Contains("DB_PASSWORD", definition.Body);
        foreach (var path in new[] { $"api/services/{app.Name}/history", $"api/services/{app.Name}", "api/status" })
        {
            var (status, body) = await app.ApiAsync(HttpMethod.Get, path);
            Assert.Equal(200, status);
            outputs.Add(body);
        }
        outputs.Add(definition.Body);
        Assert.All(outputs, o => Assert.DoesNotContain(secret, o));

        // The secret does reach the containers (so the check above is not vacuous).
        var running = Assert.Single(await app.ContainersAsync(), c => c.Running());
        var inspect = await SampleImages.RunAsync("docker", ["inspect", "--format", "{{json .Config.Env}}", running.Id], TimeSpan.FromSeconds(30));
        Assert.Contains($"DB_PASSWORD={secret}", inspect.Stdout);
    }
}
