using System.Text.RegularExpressions;
using Baton.Deploy.Logs;
using Baton.Deploy.Servers;
using Baton.Docker;
using Baton.Hosts.Tests.Agent;

namespace Baton.Hosts.Tests.Remote;

/// <summary>
/// <c>baton logs</c> on an app server: timestamped logs through the real agent, and <see cref="ServiceLogs"/>
/// over a fleet holding that server (prefix <c>server/container</c>, tail, follow).
/// </summary>
[Collection("agent")]
public sealed partial class RemoteLogsTests(AgentFixture fixture)
{
    [GeneratedRegex(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z tick (\d+)$")]
    private static partial Regex TimestampedTick();

    private static int Tick(string line) => int.Parse(line[(line.LastIndexOf(' ') + 1)..], System.Globalization.CultureInfo.InvariantCulture);

    [Fact]
    public async Task TimestampedLogsAndServiceLogs_ThroughTheAgent_PrefixedTailAndFollow()
    {
        var remote = fixture.Remote();
        var spec = fixture.Spec("logs", null, "sh", "-c", "i=0; while [ $i -lt 600 ]; do echo tick $i; i=$((i+1)); sleep 0.1; done");
        var id = (await remote.Containers.CreateAsync(spec)).Value;
        try
        {
            (await remote.Containers.StartAsync(id)).ThrowIfFailed();

            // Each line starts with the engine's timestamp, nine fraction digits.
            string[] lines = [];
            for (int i = 0; i < 100 && lines.Length < 5; i++)
            {
                await Task.Delay(100);
                lines = (await remote.Containers.TimestampedLogsAsync(id, 5, null)).Value.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            }
            Assert.Equal(5, lines.Length);
            Assert.All(lines, l => Assert.Matches(TimestampedTick(), l));

            // since: from that instant on (inclusive), nothing earlier.
            var third = DateTimeOffset.Parse(lines[2][..27] + "Z", System.Globalization.CultureInfo.InvariantCulture); // 100 ns resolution: at or before it
            var since = (await remote.Containers.TimestampedLogsAsync(id, 10_000, third)).Value.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.Equal(Tick(lines[2]), Tick(since[0]));

            // The fleet's view: the app server's name before the container's, the last lines, then new ones as they come.
            var fleet = new ServerFleet(null, [new AppServer(fixture.HostName, fixture.Address, remote)]);
            var logs = new ServiceLogs(fleet, fixture.Web, release: null);
            var containers = (await logs.ContainersAsync(CancellationToken.None)).Value.Where(c => c.Name == spec.Name).ToList();
            Assert.Single(containers);
            using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            var followed = new List<string>();
            await foreach (var line in logs.ReadAsync(containers, tail: 2, follow: true, TimeSpan.FromMilliseconds(300), TimeProvider.System, stop.Token))
            {
                followed.Add(line);
                if (followed.Count == 12) break;
            }
            Assert.All(followed, l => Assert.StartsWith($"{fixture.HostName}/{spec.Name} | tick ", l, StringComparison.Ordinal));
            var ticks = followed.Select(Tick).ToList();
            // None twice and none skipped across the agent's calls.
            Assert.Equal(Enumerable.Range(ticks[0], 12), ticks);
        }
        finally
        {
            await remote.Containers.RemoveAsync(id, force: true);
        }
    }
}
