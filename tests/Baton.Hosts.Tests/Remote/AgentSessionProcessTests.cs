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
            // The agent answers first and then logs the call (its line says whether the answer reached the client):
            // the last call's line may land just after the test has its answer.
            Assert.Equal(21, await CountWhenSettledAsync(log, 21, lines => lines.Count(l => l.Contains("op=container.inspect", StringComparison.Ordinal) || l.Contains("op=ping", StringComparison.Ordinal))));
            var first = Assert.Single(Pids(log));

            using (var agent = Process.GetProcessById(first))
            {
                agent.Kill();
                await agent.WaitForExitAsync();
            }
            var afterKill = await remote.Containers.InspectAsync(fixture.ContainerName("session-api"));
            var next = await remote.Containers.InspectAsync(fixture.ContainerName("session-web"));

            Assert.Equal(api, afterKill.Value.Id);
            Assert.Equal(web, next.Value.Id);
            // The new agent logs its start after its first answer, as above.
            Assert.Equal(2, await CountWhenSettledAsync(log, 2, lines => Pids(lines).Count));
            var pids = Pids(log);
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

    private static List<int> Pids(string log) => Pids(File.ReadAllLines(log));

    private static List<int> Pids(IEnumerable<string> lines) =>
        [.. lines.Select(l => SessionStarted().Match(l)).Where(m => m.Success).Select(m => int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture))];

    /// <summary>The count of the log's lines once it reaches <paramref name="expected"/> (or after 10 s without), to be asserted exactly.</summary>
    private static async Task<int> CountWhenSettledAsync(string log, int expected, Func<string[], int> count)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            int got = count(await File.ReadAllLinesAsync(log));
            if (got >= expected || deadline.Elapsed > TimeSpan.FromSeconds(10)) return got;
            await Task.Delay(20);
        }
    }
}
