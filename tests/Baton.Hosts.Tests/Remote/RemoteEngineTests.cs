using Baton.Docker;
using Baton.Hosts.Local;
using Baton.Hosts.Remote;
using Baton.Hosts.Tests.Agent;

namespace Baton.Hosts.Tests.Remote;

/// <summary>
/// The controller's side through the real agent: <see cref="RemoteEngine"/> over <see cref="ProcessTransport"/>
/// running <c>dotnet baton.dll host --config</c>, on the real engine.
/// </summary>
[Collection("agent")]
public sealed class RemoteEngineTests(AgentFixture fixture)
{
    [Fact]
    public async Task Ping_ThroughTheAgent_NamesTheHostItsEngineAndWhatItAllows()
    {
        var info = (await HostClient.PingAsync(fixture.Transport())).Value;

        Assert.Equal(fixture.HostName, info.Name);
        Assert.Equal(1, info.Protocol);
        Assert.StartsWith("20.", info.EngineVersion, StringComparison.Ordinal);
        Assert.Equal([fixture.Web, fixture.Api], info.Services);
        Assert.Equal(["baton-test/"], info.Images);
        Assert.Equal(fixture.Address, info.Address);
    }

    [Fact]
    public async Task Lifecycle_CreateStartWaitLogsInspectRemove_ThroughTheAgent()
    {
        var remote = fixture.Remote();
        var spec = fixture.Spec("life", null, "sh", "-c", "echo hello from the app server; exit 3") with
        {
            Ports = [new PortBinding(8000, 0)],
            StopTimeout = TimeSpan.FromSeconds(2),
        };

        var id = (await remote.Containers.CreateAsync(spec)).Value;
        (await remote.Containers.StartAsync(id)).ThrowIfFailed();
        var exitCode = (await remote.Containers.WaitAsync(id, TimeSpan.FromSeconds(30))).Value;
        var logs = (await remote.Containers.LogsAsync(id, 10)).Value;
        var info = (await remote.Containers.InspectAsync(spec.Name!)).Value;
        (await remote.Containers.RemoveAsync(id)).ThrowIfFailed();
        var gone = await remote.Containers.InspectAsync(id);

        Assert.Equal(3, exitCode);
        Assert.Contains("hello from the app server", logs, StringComparison.Ordinal);
        Assert.Equal(id, info.Id);
        Assert.Equal(fixture.Web, info.Labels["baton.service"]);
        Assert.False(info.Running);
        Assert.Equal(DockerErrorKind.ContainerNotFound, gone.Error?.Kind);
        Assert.StartsWith($"{fixture.HostName}: ", gone.Error!.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Create_PortAsked127001_IsPublishedOnTheHostsAddress()
    {
        var remote = fixture.Remote();
        var spec = fixture.Spec("port") with { Ports = [new PortBinding(8000, 0)] };

        var id = (await remote.Containers.CreateAsync(spec)).Value;
        (await remote.Containers.StartAsync(id)).ThrowIfFailed();
        var info = (await remote.Containers.InspectAsync(id)).Value;
        (await remote.Containers.RemoveAsync(id, force: true)).ThrowIfFailed();

        var port = Assert.Single(info.Ports);
        Assert.Equal(fixture.Address, port.HostIp);
        Assert.InRange(port.HostPort, 1024, 65535);
    }

    [Fact]
    public async Task Create_ByImageIdOfAnAllowedImage_RunsIt()
    {
        var remote = fixture.Remote();
        var imageId = (await remote.Images.InspectAsync(fixture.Image)).Value.Id;

        var id = (await remote.Containers.CreateAsync(fixture.Spec("byid") with { Image = imageId })).Value;
        var info = (await remote.Containers.InspectAsync(id)).Value;
        (await remote.Containers.RemoveAsync(id, force: true)).ThrowIfFailed();

        Assert.Equal(imageId, info.ImageId);
    }

    [Fact]
    public async Task Create_WithAllowedNamedVolumeAndHostFolder_Mounts()
    {
        var remote = fixture.Remote();
        var folder = Path.Combine(fixture.AllowedFolder, "web-data");
        Directory.CreateDirectory(folder);
        await File.WriteAllTextAsync(Path.Combine(folder, "greeting"), "from the host folder");
        var spec = fixture.Spec("mounts", null, "sh", "-c", "cat /host-data/greeting; ls -d /named") with
        {
            Settings = new ContainerSettings { Volumes = [$"data-{fixture.RunId}:/named", $"{folder}:/host-data:ro"] },
        };

        var id = (await remote.Containers.CreateAsync(spec)).Value;
        (await remote.Containers.StartAsync(id)).ThrowIfFailed();
        await remote.Containers.WaitAsync(id, TimeSpan.FromSeconds(30));
        var logs = (await remote.Containers.LogsAsync(id)).Value;
        (await remote.Containers.RemoveAsync(id, force: true)).ThrowIfFailed();
        await fixture.Engine.Containers.RemoveAsync(id, force: true);

        Assert.Contains("from the host folder", logs, StringComparison.Ordinal);
        Assert.Contains("/named", logs, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StopAndKill_RunningContainer_ThroughTheAgent()
    {
        var remote = fixture.Remote();
        var stopped = (await remote.Containers.CreateAsync(fixture.Spec("stop"))).Value;
        var killed = (await remote.Containers.CreateAsync(fixture.Spec("kill"))).Value;
        (await remote.Containers.StartAsync(stopped)).ThrowIfFailed();
        (await remote.Containers.StartAsync(killed)).ThrowIfFailed();

        (await remote.Containers.StopAsync(stopped, TimeSpan.FromSeconds(2))).ThrowIfFailed();
        (await remote.Containers.KillAsync(killed)).ThrowIfFailed();
        var killedAgain = await remote.Containers.KillAsync(killed);

        Assert.False((await fixture.Engine.Containers.InspectAsync(stopped)).Value.Running);
        Assert.False((await fixture.Engine.Containers.InspectAsync(killed)).Value.Running);
        Assert.Equal(DockerErrorKind.Conflict, killedAgain.Error?.Kind);
        await remote.Containers.RemoveAsync(stopped);
        await remote.Containers.RemoveAsync(killed);
    }

    [Fact]
    public async Task List_ShowsOnlyTheHostsServices()
    {
        var remote = fixture.Remote();
        var mine = (await remote.Containers.CreateAsync(fixture.Spec("listed", fixture.Api))).Value;
        var billing = (await fixture.Engine.Containers.CreateAsync(fixture.Spec("list-billing", fixture.Billing))).Value;
        var unlabelled = (await fixture.Engine.Containers.CreateAsync(fixture.Spec("list-plain") with
        {
            Labels = new Dictionary<string, string> { ["baton.test"] = fixture.RunId },
        })).Value;

        var listed = (await remote.Containers.ListAsync([fixture.RunLabel])).Value;
        var everything = (await fixture.Engine.Containers.ListAsync([fixture.RunLabel])).Value;

        Assert.Contains(listed, c => c.Id == mine);
        Assert.DoesNotContain(listed, c => c.Id == billing || c.Id == unlabelled);
        Assert.All(listed, c => Assert.Contains(c.Labels["baton.service"], new[] { fixture.Web, fixture.Api }));
        Assert.Contains(everything, c => c.Id == billing);
        foreach (var id in new[] { mine, billing, unlabelled }) await fixture.Engine.Containers.RemoveAsync(id, force: true);
    }

    [Fact]
    public async Task Events_StreamThroughTheAgent_OnlyTheHostsServices()
    {
        var remote = fixture.Remote();
        var label = $"baton.test={fixture.RunId}";
        await using var subscription = (await remote.Events.SubscribeAsync([label])).Value;
        var seen = new List<DockerEvent>();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var reading = Task.Run(async () =>
        {
            await foreach (var e in subscription.WithCancellation(cts.Token))
            {
                lock (seen) seen.Add(e);
                if (e.Action == "start" && e.Name == fixture.ContainerName("events-web")) return;
            }
        });

        // The other service's container starts first: had it been let through, it would be in the list when web's arrives.
        var billing = (await fixture.Engine.Containers.CreateAsync(fixture.Spec("events-billing", fixture.Billing))).Value;
        (await fixture.Engine.Containers.StartAsync(billing)).ThrowIfFailed();
        var web = (await fixture.Engine.Containers.CreateAsync(fixture.Spec("events-web"))).Value;
        (await fixture.Engine.Containers.StartAsync(web)).ThrowIfFailed();
        await reading;

        lock (seen)
        {
            Assert.Contains(seen, e => e.Action == "start" && e.ActorId == web);
            Assert.All(seen, e => Assert.Equal(fixture.Web, e.Attributes["baton.service"]));
        }
        Assert.Null(subscription.Failure);
        foreach (var id in new[] { billing, web }) await fixture.Engine.Containers.RemoveAsync(id, force: true);
    }

    [Fact]
    public async Task Events_Disposed_EndsCleanlyWithoutFailure()
    {
        var remote = fixture.Remote();
        var subscription = (await remote.Events.SubscribeAsync([fixture.RunLabel])).Value;
        var enumerating = Task.Run(async () =>
        {
            await foreach (var _ in subscription)
            {
            }
        });

        await Task.Delay(300);
        await subscription.DisposeAsync();
        await enumerating.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Null(subscription.Failure);
    }

    [Fact]
    public async Task Refusal_ComesBackAsAnErrorNamingTheServer()
    {
        var remote = fixture.Remote();

        var created = await remote.Containers.CreateAsync(fixture.Spec("refused", fixture.Billing));

        Assert.Equal(DockerErrorKind.Engine, created.Error?.Kind);
        Assert.Equal($"{fixture.HostName}: This host ({fixture.HostName}) does not run service '{fixture.Billing}'; its config allows: {fixture.Web}, {fixture.Api}.", created.Error!.Message);
    }

    [Fact]
    public async Task Transport_CannotStart_EngineUnreachableNamingTheServer()
    {
        var remote = new RemoteEngine(new ProcessTransport("/nonexistent/baton", ["host"], "app9 (deploy@10.200.0.9)"));

        var result = await remote.Containers.StartAsync("web-1");

        Assert.Equal(DockerErrorKind.EngineUnreachable, result.Error?.Kind);
        Assert.StartsWith("Could not start container web-1 on app9 (deploy@10.200.0.9): ", result.Error!.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AgentWithBrokenConfig_EngineUnreachableWithTheConfigsSentence()
    {
        var config = Path.Combine(fixture.Root, $"broken-{Guid.NewGuid():N}.yml");
        await File.WriteAllTextAsync(config, "name: app1\nservces: [web]\nimages: [baton-test/]\n");

        var result = await new RemoteEngine(fixture.Transport(config)).PingAsync();

        Assert.Equal(DockerErrorKind.EngineUnreachable, result.Error?.Kind);
        Assert.Contains("gave no answer when asked to answer a ping (baton host exited with code 2: error:", result.Error!.Message, StringComparison.Ordinal);
        Assert.Contains("unknown key 'servces'", result.Error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AgentWhoseEngineIsDown_AnswersEngineUnreachable()
    {
        var config = Path.Combine(fixture.Root, $"noengine-{Guid.NewGuid():N}.yml");
        await File.WriteAllTextAsync(config, $"name: app1\ndocker: {fixture.Root}/no-such-docker.sock\nservices: [web]\nimages: [baton-test/]\n");

        var result = await new RemoteEngine(fixture.Transport(config)).Containers.ListAsync("baton.service");

        Assert.Equal(DockerErrorKind.EngineUnreachable, result.Error?.Kind);
        Assert.Contains("the socket file does not exist", result.Error!.Message, StringComparison.Ordinal);
    }
}
