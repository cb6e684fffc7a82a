using Baton.Deploy;
using Baton.FunctionalTests.Infrastructure;

namespace Baton.FunctionalTests.Deploy;

/// <summary><c>baton rollback</c> from kept containers, and secrets that are never shown back.</summary>
public sealed class RollbackTests
{
    [Fact]
    public async Task Rollback_ToPreviousThenToNamedRelease_InstantFromKeptContainersHistoryShowsIt()
    {
        await using var app = await BlueGreenApp.StartAsync();
        await app.DeployOkAsync("v1");
        await app.DeployOkAsync("v2");
        await app.DeployOkAsync("v3");
        var releases = (await app.HistoryAsync()).Deployments.ToDictionary(d => d.Image[(d.Image.LastIndexOf(':') + 1)..], d => d.Release);
        var kept = await app.ContainersAsync();
        Assert.True(kept.Count == 3 && kept.Count(c => c.Running()) == 1, EngineContainers.Describe(kept));

        var back = await app.CliAsync("rollback", app.Name);
        Assert.True(back.ExitCode == 0, back.ToString());
        Assert.Contains($"Rolling {app.Name} back to {releases["v2"]}", back.Stdout);
        Assert.Contains("from its kept containers", back.Stdout);
        Assert.Equal("v2", await app.LiveVersionAsync());
        var now = await app.ContainersAsync();
        Assert.Equal(kept.Select(c => c.Id).Order(), now.Select(c => c.Id).Order()); // the same containers, started again
        Assert.Equal(releases["v2"], BlueGreenApp.Release(Assert.Single(now, c => c.Running())));

        var to = await app.CliAsync("rollback", app.Name, "--to", releases["v1"]);
        Assert.True(to.ExitCode == 0, to.ToString());
        Assert.Contains("from its kept containers", to.Stdout);
        Assert.Equal("v1", await app.LiveVersionAsync());
        Assert.Equal(releases["v1"], BlueGreenApp.Release(Assert.Single(await app.ContainersAsync(), c => c.Running())));

        var history = await app.HistoryAsync();
        Assert.Equal(["rollback", "rollback", "deploy", "deploy", "deploy"], history.Deployments.Select(d => d.Kind));
        Assert.Equal([releases["v1"], releases["v2"]], history.Deployments.Take(2).Select(d => d.Release));
        Assert.All(history.Deployments, d => Assert.Equal("succeeded", d.Outcome));
        var shown = await app.CliAsync("history", app.Name);
        Assert.Equal(0, shown.ExitCode);
        Assert.Contains("rollback", shown.Stdout);
        Assert.Contains(releases["v1"], shown.Stdout);

        var unknown = await app.CliAsync("rollback", app.Name, "--to", "r999");
        Assert.True(unknown.ExitCode == 2, unknown.ToString());
        Assert.Equal("v1", await app.LiveVersionAsync());
    }

    [Fact]
    public async Task Rollback_ToReleaseOnTheLiveColourAndToPrunedRelease_BothServeAgain()
    {
        // keep: 1 — after v3 only v2 is kept; v1's containers are removed and must be recreated.
        await using var app = await BlueGreenApp.StartAsync("keep: 1");
        await app.DeployOkAsync("v1");
        await app.DeployOkAsync("v2");
        await app.DeployOkAsync("v3");
        var releases = (await app.HistoryAsync()).Deployments.ToDictionary(d => d.Image[(d.Image.LastIndexOf(':') + 1)..], d => d.Release);
        var all = await app.ContainersAsync();
        Assert.DoesNotContain(all, c => BlueGreenApp.Release(c) == releases["v1"]);

        var recreated = await app.CliAsync("rollback", app.Name, "--to", releases["v1"]);
        Assert.True(recreated.ExitCode == 0, recreated.ToString());
        Assert.Contains("recreating its containers", recreated.Stdout);
        Assert.Equal("v1", await app.LiveVersionAsync());
        var running = Assert.Single(await app.ContainersAsync(), c => c.Running());
        Assert.Equal(releases["v1"], BlueGreenApp.Release(running));

        // v3 ran on blue and is kept; v1 now runs on the other colour. Back to v3 by name, then deploy again.
        var back = await app.CliAsync("rollback", app.Name, "--to", releases["v3"]);
        Assert.True(back.ExitCode == 0, back.ToString());
        Assert.Equal("v3", await app.LiveVersionAsync());
        await app.DeployOkAsync("v2");
        Assert.Equal("v2", await app.LiveVersionAsync());
        var end = await app.ContainersAsync();
        Assert.True(end.Count(c => c.Running()) == 1, EngineContainers.Describe(end));
    }

    [Fact]
    public async Task Rollback_ToKeptReleaseOfTheLiveColour_SwitchesAndNextDeployWorks()
    {
        await using var app = await BlueGreenApp.StartAsync();
        await app.DeployOkAsync("v1"); // blue
        await app.DeployOkAsync("v2"); // green
        await app.DeployOkAsync("v3"); // blue, live
        var releases = (await app.HistoryAsync()).Deployments.ToDictionary(d => d.Image[(d.Image.LastIndexOf(':') + 1)..], d => d.Release);

        // r1's kept containers are blue, like the live r3.
        var to = await app.CliAsync("rollback", app.Name, "--to", releases["v1"]);
        Assert.True(to.ExitCode == 0, to.ToString());
        Assert.Equal("v1", await app.LiveVersionAsync());
        var all = await app.ContainersAsync();
        Assert.True(all.Count(c => c.Running()) == 1 && BlueGreenApp.Release(all.Single(c => c.Running())) == releases["v1"], EngineContainers.Describe(all));

        await app.DeployOkAsync("v2", "--hold");
        var live = await app.LiveVersionAsync();
        Assert.Equal("v1", live);
        var promoted = await app.CliAsync("promote", app.Name);
        Assert.True(promoted.ExitCode == 0, promoted.ToString());
        Assert.Equal("v2", await app.LiveVersionAsync());
        var end = await app.ContainersAsync();
        Assert.True(end.Count(c => c.Running()) == 1, EngineContainers.Describe(end));
    }

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
