using System.Text.Json;
using Baton.FunctionalTests.Infrastructure;

namespace Baton.FunctionalTests.Deploy;

/// <summary>baton.yml's container settings on the real engine: what `docker inspect` shows of both colours.</summary>
public sealed class ContainerSettingsTests
{
    [Fact]
    public async Task VolumesLimitsLogsUserHostsSignal_AppliedToEveryRelease_BothColoursMountTheSameVolume()
    {
        var volume = "baton-ft-vol-" + Guid.NewGuid().ToString("N")[..8];
        try
        {
            await using var app = await BlueGreenApp.StartAsync();
            await app.ApplyOkAsync(app.Yaml($"""
                volumes: ["{volume}:/data", "/etc/hostname:/host-name:ro"]
                resources:
                  memory: 256m
                  cpus: 0.5
                logging:
                  driver: json-file
                  options:
                    max-size: 1m
                user: "65534:65534"
                entrypoint: [/app/SampleApp]
                extra_hosts: ["db.internal:10.200.0.5"]
                stop_signal: SIGINT
                """));

            await app.DeployOkAsync("v1");
            var blue = Assert.Single(await app.ContainersAsync());
            await app.DeployOkAsync("v2");
            Assert.Equal("v2", await app.LiveVersionAsync());
            var green = (await app.ContainersAsync()).Single(c => c.Id != blue.Id);

            foreach (var id in new[] { blue.Id, green.Id })
            {
                var inspected = await SampleImages.RunAsync("docker", ["inspect", id], TimeSpan.FromSeconds(30));
                Assert.True(inspected.ExitCode == 0, inspected.ToString());
                var c = JsonDocument.Parse(inspected.Stdout).RootElement[0];
                var host = c.GetProperty("HostConfig");
                var mounts = c.GetProperty("Mounts").EnumerateArray().ToList();
                Assert.Contains(mounts, m => m.GetProperty("Type").GetString() == "volume" && m.GetProperty("Name").GetString() == volume && m.GetProperty("Destination").GetString() == "/data" && m.GetProperty("RW").GetBoolean());
                Assert.Contains(mounts, m => m.GetProperty("Type").GetString() == "bind" && m.GetProperty("Destination").GetString() == "/host-name" && !m.GetProperty("RW").GetBoolean());
                Assert.Equal(256L * 1024 * 1024, host.GetProperty("Memory").GetInt64());
                Assert.Equal(500_000_000L, host.GetProperty("NanoCpus").GetInt64());
                Assert.Equal("json-file", host.GetProperty("LogConfig").GetProperty("Type").GetString());
                Assert.Equal("1m", host.GetProperty("LogConfig").GetProperty("Config").GetProperty("max-size").GetString());
                Assert.Equal(["db.internal:10.200.0.5"], host.GetProperty("ExtraHosts").EnumerateArray().Select(e => e.GetString()!));
                var config = c.GetProperty("Config");
                Assert.Equal("65534:65534", config.GetProperty("User").GetString());
                Assert.Equal("SIGINT", config.GetProperty("StopSignal").GetString());
                Assert.Equal(["/app/SampleApp"], config.GetProperty("Entrypoint").EnumerateArray().Select(e => e.GetString()!));
            }
        }
        finally
        {
            await SampleImages.RunAsync("docker", ["volume", "rm", "-f", volume], TimeSpan.FromSeconds(30));
        }
    }
}

/// <summary>Secrets from the applying machine (from_env, from_file, env_file) through `baton apply` to the containers, never shown back.</summary>
public sealed class OutsideSecretsTests
{
    [Fact]
    public async Task Apply_FromEnvFromFileEnvFile_ContainersGetThem_TheApiShowsNone()
    {
        await using var app = await BlueGreenApp.StartAsync();
        var dir = Directory.CreateTempSubdirectory("baton-ft-outside-").FullName;
        try
        {
            var fromEnv = "env-" + Guid.NewGuid().ToString("N");
            var fromFile = "file-" + Guid.NewGuid().ToString("N");
            var fromEnvFile = "envfile-" + Guid.NewGuid().ToString("N");
            await File.WriteAllTextAsync(Path.Combine(dir, "api-key.txt"), fromFile + "\n");
            await File.WriteAllTextAsync(Path.Combine(dir, "shop.env"), $"# settings\nCACHE_TOKEN={fromEnvFile}\n");
            var file = Path.Combine(dir, "baton.yml");
            await File.WriteAllTextAsync(file, app.Yaml("env_file: shop.env\nenv:\n  DB_PASSWORD: { from_env: SHOP_DB_PASSWORD }\n  API_KEY: { from_file: api-key.txt }"));
            var env = new Dictionary<string, string?>(app.CliEnvironment) { ["SHOP_DB_PASSWORD"] = fromEnv };

            var applied = await BatonCli.RunAsync(env, ["apply", "-f", file], TimeSpan.FromSeconds(60));
            Assert.True(applied.ExitCode == 0, applied.ToString());
            await app.DeployOkAsync("v1");

            var live = Assert.Single(await app.ContainersAsync());
            var inspected = await SampleImages.RunAsync("docker", ["inspect", "--format", "{{json .Config.Env}}", live.Id], TimeSpan.FromSeconds(30));
            var containerEnv = JsonSerializer.Deserialize<string[]>(inspected.Stdout)!;
            Assert.Contains($"DB_PASSWORD={fromEnv}", containerEnv);
            Assert.Contains($"API_KEY={fromFile}", containerEnv);
            Assert.Contains($"CACHE_TOKEN={fromEnvFile}", containerEnv);

            var (status, definition) = await app.ApiAsync(HttpMethod.Get, $"api/services/{app.Name}/definition");
            Assert.Equal(200, status);
            foreach (var value in new[] { fromEnv, fromFile, fromEnvFile }) Assert.DoesNotContain(value, definition);
            var history = await app.CliAsync("history", app.Name);
            foreach (var value in new[] { fromEnv, fromFile, fromEnvFile }) Assert.DoesNotContain(value, history.Stdout + history.Stderr);

            // An unset variable: one sentence, nothing applied.
            var refused = await BatonCli.RunAsync(app.CliEnvironment, ["apply", "-f", file], TimeSpan.FromSeconds(60));
            Assert.True(refused.ExitCode == 2, refused.ToString());
            Assert.Contains("from_env: SHOP_DB_PASSWORD is not set in this environment; nothing was applied.", refused.Stderr);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
