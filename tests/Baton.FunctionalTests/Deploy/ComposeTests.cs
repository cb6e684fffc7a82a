using System.Text.Json;
using Baton.FunctionalTests.Infrastructure;

namespace Baton.FunctionalTests.Deploy;

/// <summary>
/// A real compose project (docker-compose, Debian's 1.29): its db stays compose's, its web is
/// applied from the docker-compose.yml and deployed by Baton v1 → v2 under load, reaching db by
/// name from both colours, while db never restarts.
/// </summary>
public sealed class ComposeTests
{
    private static Task<CliResult> Compose(string dir, params string[] args) =>
        SampleImages.RunAsync("docker-compose", ["--project-directory", dir, "-f", Path.Combine(dir, "docker-compose.yml"), .. args], TimeSpan.FromMinutes(2));

    private static async Task<JsonElement> InspectAsync(string id)
    {
        var inspected = await SampleImages.RunAsync("docker", ["inspect", id], TimeSpan.FromSeconds(30));
        Assert.True(inspected.ExitCode == 0, inspected.ToString());
        return JsonDocument.Parse(inspected.Stdout).RootElement[0];
    }

    [Fact]
    public async Task ComposeWebDeployedByBaton_UnderLoad_ZeroFailed_ReachesDbByNameFromBothColours_DbNeverRestarts()
    {
        var project = "bft" + Guid.NewGuid().ToString("N")[..8];
        var dir = Path.Combine(Directory.CreateTempSubdirectory("baton-ft-compose-").FullName, project);
        Directory.CreateDirectory(dir);
        var subnet = $"10.200.{Random.Shared.Next(100, 250)}.0/24";
        try
        {
            await using (var app = await BlueGreenApp.StartAsync())
            {
                await File.WriteAllTextAsync(Path.Combine(dir, "docker-compose.yml"), $$"""
                    services:
                      web:
                        image: {{SampleImages.Image("v1")}}
                        environment:
                          PORT: "8080"
                          BIND: 0.0.0.0
                        expose: ["8080"]
                        stop_grace_period: 2s
                        x-baton:
                          service: {{app.Name}}
                          hosts: [{{app.Host}}]
                          health: { path: /health, interval: 200ms, timeout: 2s, passes: 1 }
                          deploy_timeout: 30s
                          drain_timeout: 2s
                          watch: 1s
                      db:
                        image: {{SampleImages.Image("v1")}}
                        environment:
                          PORT: "8080"
                          BIND: 0.0.0.0
                          VERSION: db
                    networks:
                      default:
                        ipam:
                          config:
                            - subnet: {{subnet}}
                    """);
                var up = await Compose(dir, "up", "-d", "db");
                Assert.True(up.ExitCode == 0, up.ToString());
                var dbId = (await SampleImages.RunAsync("docker", ["ps", "-q", "--filter", $"label=com.docker.compose.project={project}", "--filter", "label=com.docker.compose.service=db"], TimeSpan.FromSeconds(30))).Stdout.Trim();
                var dbStarted = (await InspectAsync(dbId)).GetProperty("State").GetProperty("StartedAt").GetString();

                var applied = await BatonCli.RunAsync(app.CliEnvironment, ["apply", "-f", Path.Combine(dir, "docker-compose.yml")], TimeSpan.FromSeconds(60));
                Assert.True(applied.ExitCode == 0, applied.ToString());
                Assert.Contains($"deploy it with: baton deploy {app.Name} --image {SampleImages.Image("v1")}", applied.Stdout);
                await app.DeployOkAsync("v1");

                await using var load = TrafficLoad.Start(app.ProxyUri, app.Host, fresh: 2, keptAlive: 2, echo: 1, slow: 1);
                await Wait.UntilAsync(() => Task.FromResult(load.Requests > 50), "the load is flowing", TimeSpan.FromSeconds(30));
                var blue = Assert.Single(await app.ContainersAsync());
                await app.DeployOkAsync("v2");
                await load.StopAsync();

                Assert.True(load.Failures.Count == 0, load.Summary);
                Assert.Equal("v2", await app.LiveVersionAsync());
                var green = (await app.ContainersAsync()).Single(c => c.Id != blue.Id);
                foreach (var id in new[] { blue.Id, green.Id })
                {
                    var c = await InspectAsync(id);
                    Assert.True(c.GetProperty("NetworkSettings").GetProperty("Networks").TryGetProperty($"{project}_default", out _), $"{id} is not on {project}_default");
                }
                // The new colour reaches compose's db by its service name (the old one did too, before it was stopped).
                var reached = await SampleImages.RunAsync("docker", ["exec", green.Id, "wget", "-qO-", "http://db:8080/version"], TimeSpan.FromSeconds(30));
                Assert.Equal((0, "db"), (reached.ExitCode, reached.Stdout.Trim()));
                var db = await InspectAsync(dbId);
                Assert.Equal(dbStarted, db.GetProperty("State").GetProperty("StartedAt").GetString());
                Assert.Equal(0, db.GetProperty("RestartCount").GetInt32());
            }
        }
        finally
        {
            await Compose(dir, "down", "-v", "--remove-orphans");
            Directory.Delete(Path.GetDirectoryName(dir)!, recursive: true);
        }
    }
}
