using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Baton.Hosts.Remote;
using Baton.Hosts.Tests.Agent;

namespace Baton.Hosts.Tests.Remote;

/// <summary>
/// Sessions through the real <c>dotnet baton.dll host --config</c> process and the real engine: the agent's log
/// counts the processes (one <c>op=session … started (process PID)</c> line each).
/// </summary>
[Collection("agent")]
public sealed partial class AgentSessionProcessTests(AgentFixture fixture)
{
    [GeneratedRegex(@"op=session service=- container=- outcome=started \(process (\d+)\)")]
    private static partial Regex SessionStarted();

    [Fact]
    public async Task ManyCalls_OneAgentProcess_AKilledOneIsReplacedWithoutAWrongAnswer()
    {
        var log = Path.Combine(fixture.Root, $"session-{Guid.NewGuid():N}.log");
        var config = Path.Combine(fixture.Root, $"session-{Guid.NewGuid():N}.yml");
        await File.WriteAllTextAsync(config, (await File.ReadAllTextAsync(fixture.ConfigPath)).Replace(fixture.LogPath, log, StringComparison.Ordinal));
        await using var remote = new RemoteEngine(fixture.Transport(config));
        var web = (await fixture.Engine.Containers.CreateAsync(fixture.Spec("session-web"))).Value;
        var api = (await fixture.Engine.Containers.CreateAsync(fixture.Spec("session-api", fixture.Api))).Value;
        try
        {
            var watch = Stopwatch.StartNew();
            for (int i = 0; i < 10; i++)
            {
                Assert.Equal(web, (await remote.Containers.InspectAsync(fixture.ContainerName("session-web"))).Value.Id);
                Assert.Equal(api, (await remote.Containers.InspectAsync(fixture.ContainerName("session-api"))).Value.Id);
            }
            Assert.Equal(fixture.HostName, (await remote.PingAsync()).Value.Name);
            watch.Stop();
            var first = Assert.Single(Pids(log));
            Assert.Equal(21, (await File.ReadAllLinesAsync(log)).Count(l => l.Contains("op=container.inspect", StringComparison.Ordinal) || l.Contains("op=ping", StringComparison.Ordinal)));

            using (var agent = Process.GetProcessById(first))
            {
                agent.Kill();
                await agent.WaitForExitAsync();
            }
            var afterKill = await remote.Containers.InspectAsync(fixture.ContainerName("session-api"));
            var next = await remote.Containers.InspectAsync(fixture.ContainerName("session-web"));

            Assert.Equal(api, afterKill.Value.Id);
            Assert.Equal(web, next.Value.Id);
            var pids = Pids(log);
            Assert.Equal(2, pids.Count);
            Assert.NotEqual(first, pids[1]);
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(60), $"21 calls took {watch.Elapsed}");
        }
        finally
        {
            await fixture.Engine.Containers.RemoveAsync(web, force: true);
            await fixture.Engine.Containers.RemoveAsync(api, force: true);
        }
    }

    [Fact]
    public async Task Dispose_TheAgentProcessEnds()
    {
        var log = Path.Combine(fixture.Root, $"session-{Guid.NewGuid():N}.log");
        var config = Path.Combine(fixture.Root, $"session-{Guid.NewGuid():N}.yml");
        await File.WriteAllTextAsync(config, (await File.ReadAllTextAsync(fixture.ConfigPath)).Replace(fixture.LogPath, log, StringComparison.Ordinal));
        var remote = new RemoteEngine(fixture.Transport(config));
        _ = (await remote.PingAsync()).Value;

        await remote.DisposeAsync();

        var lines = await File.ReadAllLinesAsync(log);
        Assert.Single(Pids(log));
        Assert.Contains("op=session service=- container=- outcome=ended: the client closed it after 1 request", lines[^1], StringComparison.Ordinal);
    }

    private static List<int> Pids(string log) =>
        [.. File.ReadAllLines(log).Select(l => SessionStarted().Match(l)).Where(m => m.Success).Select(m => int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture))];
}
