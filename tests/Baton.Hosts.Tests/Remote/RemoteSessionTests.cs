using Baton.Docker;
using Baton.Hosts.Remote;

namespace Baton.Hosts.Tests.Remote;

/// <summary>
/// <see cref="RemoteEngine"/>'s session channels, with the real agent in process over pipes: reused while fresh,
/// never written to once ended or idle too long, closed after an exchange that did not end cleanly, not asked of an
/// agent that refuses them, and closed on dispose.
/// </summary>
public sealed class RemoteSessionTests
{
    [Fact]
    public async Task Calls_OneAfterAnother_ShareOneSession()
    {
        var transport = new InProcessAgentTransport();
        await using var remote = new RemoteEngine(transport);

        for (int i = 1; i <= 5; i++)
            Assert.Equal($"id-web-{i}", (await remote.Containers.InspectAsync($"web-{i}")).Value.Id);
        var ping = (await remote.PingAsync()).Value;

        Assert.Equal("app5", ping.Name);
        Assert.Single(transport.Opened);
        Assert.Equal(1, transport.Engine.Connects);
    }

    [Fact]
    public async Task SessionWhoseAgentWasKilled_NotWrittenTo_NextCallOpensANewOne()
    {
        var transport = new InProcessAgentTransport();
        await using var remote = new RemoteEngine(transport);
        _ = (await remote.Containers.InspectAsync("web-1")).Value;

        await transport.Opened[0].KillAsync();
        var after = await remote.Containers.InspectAsync("web-2");

        Assert.Equal("id-web-2", after.Value.Id);
        Assert.Equal(2, transport.Opened.Count);
    }

    [Fact]
    public async Task SessionIdleLongerThanTheBound_ClosedNotReused()
    {
        var transport = new InProcessAgentTransport();
        await using var remote = new RemoteEngine(transport, new RemoteEngineOptions { SessionIdleTimeout = TimeSpan.FromMilliseconds(200) });
        _ = (await remote.Containers.InspectAsync("web-1")).Value;

        await Task.Delay(500);
        _ = (await remote.Containers.InspectAsync("web-2")).Value;

        Assert.Equal(2, transport.Opened.Count);
        await WaitEndedAsync(transport.Opened[0]);
    }

    [Fact]
    public async Task CallPastItsDeadline_SessionClosed_NextCallGetsItsOwnAnswer()
    {
        var transport = new InProcessAgentTransport();
        await using var remote = new RemoteEngine(transport, new RemoteEngineOptions { RequestTimeout = TimeSpan.FromMilliseconds(300) });

        var slow = await remote.Containers.InspectAsync("web-slow");
        var next = await remote.Containers.InspectAsync("web-3");

        Assert.Equal(DockerErrorKind.EngineUnreachable, slow.Error?.Kind);
        Assert.Equal("app5 (in-process) did not answer within 0.3 s when asked to inspect container web-slow.", slow.Error!.Message);
        Assert.Equal("id-web-3", next.Value.Id);
        Assert.Equal(2, transport.Opened.Count);
        await WaitEndedAsync(transport.Opened[0]);
    }

    [Fact]
    public async Task Cancelled_SessionClosedNotReused()
    {
        var transport = new InProcessAgentTransport();
        await using var remote = new RemoteEngine(transport);
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => remote.Containers.InspectAsync("web-slow", cancel.Token));
        _ = (await remote.Containers.InspectAsync("web-4")).Value;

        Assert.Equal(2, transport.Opened.Count);
    }

    [Fact]
    public async Task AgentWithoutSessions_EachCallOnAChannelOfItsOwn_OneDebugSentence()
    {
        var transport = new InProcessAgentTransport(older: true);
        var debug = new List<string>();
        await using var remote = new RemoteEngine(transport, new RemoteEngineOptions { Debug = debug.Add });

        for (int i = 1; i <= 3; i++)
            Assert.Equal($"id-web-{i}", (await remote.Containers.InspectAsync($"web-{i}")).Value.Id);

        Assert.Equal(4, transport.Opened.Count);
        var sentence = Assert.Single(debug);
        Assert.StartsWith("app5 (in-process) runs a baton host without sessions ('session' is not an operation of baton host", sentence, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Events_StayOnAChannelOfTheirOwn()
    {
        var transport = new InProcessAgentTransport();
        await using var remote = new RemoteEngine(transport);
        _ = (await remote.Containers.InspectAsync("web-1")).Value;

        var subscribed = await remote.Events.SubscribeAsync(["baton.service=web"]);
        _ = (await remote.Containers.InspectAsync("web-2")).Value;

        // The fake engine has no event stream: the agent answers its error, on the second channel.
        Assert.Equal("app5 (in-process): not in this fake", subscribed.Error?.Message);
        Assert.Equal(2, transport.Opened.Count);
    }

    [Fact]
    public async Task SessionsOff_EachCallOnAChannelOfItsOwn()
    {
        var transport = new InProcessAgentTransport();
        await using var remote = new RemoteEngine(transport, new RemoteEngineOptions { SessionChannels = 0 });

        _ = (await remote.Containers.InspectAsync("web-1")).Value;
        _ = (await remote.Containers.InspectAsync("web-2")).Value;

        Assert.Equal(2, transport.Opened.Count);
    }

    [Fact]
    public async Task Dispose_ClosesTheIdleSessions()
    {
        var transport = new InProcessAgentTransport();
        var remote = new RemoteEngine(transport);
        _ = (await remote.Containers.InspectAsync("web-1")).Value;

        await remote.DisposeAsync();

        await WaitEndedAsync(transport.Opened[0]);
    }

    private static async Task WaitEndedAsync(InProcessAgentTransport.AgentChannel channel)
    {
        for (int i = 0; i < 100 && !channel.HasEnded; i++) await Task.Delay(50);
        Assert.True(channel.HasEnded, "the session's agent still runs");
    }
}
