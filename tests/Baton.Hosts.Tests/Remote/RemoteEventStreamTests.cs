using Baton.Docker;
using Baton.Hosts.Remote;

namespace Baton.Hosts.Tests.Remote;

/// <summary>How an event stream from a host ends: cleanly, or broken with <see cref="IEventSubscription.Failure"/> set.</summary>
public sealed class RemoteEventStreamTests
{
    private const string Event = """{"event":{"type":"container","action":"start","actorId":"abc","attributes":{"baton.service":"web","name":"web-1"},"time":"2026-11-29T10:00:00+00:00"}}""";

    [Fact]
    public async Task EndLineWithError_FailureNamesTheServer()
    {
        await using var transport = new ScriptedTransport();
        var subscribing = new RemoteEngine(transport).Events.SubscribeAsync(["baton.service=web"]);
        await transport.SendAsync("{\"ok\":true}\n\n" + Event + "\n{\"end\":true,\"error\":\"EngineUnreachable\",\"message\":\"The event stream from the Docker engine at unix:///var/run/docker.sock broke.\"}\n");
        await using var subscription = (await subscribing).Value;

        var events = await subscription.ToListAsync();

        Assert.Equal("web-1", Assert.Single(events).Name);
        Assert.Equal(DockerErrorKind.EngineUnreachable, subscription.Failure?.Kind);
        Assert.StartsWith("app7 (scripted): The event stream from the Docker engine", subscription.Failure!.Message, StringComparison.Ordinal);
        Assert.Contains("\"op\":\"events\"", transport.Request, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CleanEndLine_NoFailure()
    {
        await using var transport = new ScriptedTransport();
        var subscribing = new RemoteEngine(transport).Events.SubscribeAsync();
        await transport.SendAsync("{\"ok\":true}\n{\"end\":true}\n");
        await using var subscription = (await subscribing).Value;

        Assert.Empty(await subscription.ToListAsync());
        Assert.Null(subscription.Failure);
    }

    [Fact]
    public async Task ChannelClosesWithoutEndLine_Failure()
    {
        await using var transport = new ScriptedTransport();
        var subscribing = new RemoteEngine(transport).Events.SubscribeAsync();
        await transport.SendAsync("{\"ok\":true}\n" + Event + "\n");
        await using var subscription = (await subscribing).Value;
        transport.Close();

        var events = await subscription.ToListAsync();

        Assert.Single(events);
        Assert.Equal(DockerErrorKind.EngineUnreachable, subscription.Failure?.Kind);
        Assert.Contains("ended without the agent's end line", subscription.Failure!.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NothingArrivesNotEvenAHeartbeat_FailureAfterTheSilenceTimeout()
    {
        await using var transport = new ScriptedTransport();
        var options = new RemoteEngineOptions { EventSilenceTimeout = TimeSpan.FromMilliseconds(300) };
        var subscribing = new RemoteEngine(transport, options).Events.SubscribeAsync();
        await transport.SendAsync("{\"ok\":true}\n");
        await using var subscription = (await subscribing).Value;

        var events = await subscription.ToListAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Empty(events);
        Assert.Contains("went silent", subscription.Failure?.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SubscribeRefused_ErrorNamingTheServer()
    {
        await using var transport = new ScriptedTransport();
        var subscribing = new RemoteEngine(transport).Events.SubscribeAsync(["baton.service=billing"]);
        await transport.SendAsync("{\"ok\":false,\"error\":\"Engine\",\"refused\":true,\"message\":\"This host (app7) does not run service 'billing'.\"}\n");

        var result = await subscribing;

        Assert.Equal("app7 (scripted): This host (app7) does not run service 'billing'.", result.Error?.Message);
    }

    [Fact]
    public async Task AnswerNotOfTheProtocol_EngineErrorNamingTheServer()
    {
        await using var transport = new ScriptedTransport();
        var starting = new RemoteEngine(transport).Containers.StartAsync("web-1");
        await transport.SendAsync("Welcome to Ubuntu!\n");

        var result = await starting;

        Assert.Equal(DockerErrorKind.Engine, result.Error?.Kind);
        Assert.Equal("app7 (scripted) answered with something other than Baton's host protocol when asked to start container web-1 (is its baton the same version?).", result.Error!.Message);
    }
}
