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
