using System.IO.Pipes;
using System.Text;
using System.Text.Json;
using Baton.Docker;
using Baton.Hosts.Agent;
using Baton.Hosts.Remote;

namespace Baton.Hosts.Tests.Agent;

/// <summary>
/// The agent's session mode with a fake engine, over pipes: one <c>{"op":"session"}</c> line, then requests answered one
/// after another, each checked as a single request is; events refused; the session ends on EOF, on a line too large
/// to read, and when idle.
/// </summary>
public sealed class SessionTests
{
    private const string Session = """{"op":"session"}""";

    [Fact]
    public async Task Session_SeveralRequests_AnsweredInOrderOnOneEngineConnection()
    {
        await using var agent = AgentRun.Start();

        await agent.SendAsync(Session);
        Assert.Equal("""{"ok":true}""", await agent.ReadAsync());
        await agent.SendAsync("""{"op":"container.inspect","container":"web-1"}""");
        Assert.Equal("web-1", Value(await agent.ReadAsync()).GetProperty("name").GetString());
        await agent.SendAsync("""{"op":"ping"}""");
        Assert.Equal("app1", Value(await agent.ReadAsync()).GetProperty("name").GetString());
        // Two requests in one write: the second is kept for its turn, not lost with the rest of the read.
        await agent.SendAsync("""{"op":"container.inspect","container":"web-2"}""" + "\n" + """{"op":"container.inspect","container":"web-3"}""");
        Assert.Equal("web-2", Value(await agent.ReadAsync()).GetProperty("name").GetString());
        Assert.Equal("web-3", Value(await agent.ReadAsync()).GetProperty("name").GetString());
        agent.CloseInput();

        Assert.Equal(0, await agent.ExitAsync());
        Assert.Null(await agent.ReadAsync());
        Assert.Equal(1, agent.Engine.Connects);
        var log = agent.Log();
        Assert.Equal(6, log.Length);
        Assert.Contains($"op=session service=- container=- outcome=started (process {Environment.ProcessId})", log[0], StringComparison.Ordinal);
        Assert.Contains("op=container.inspect service=web container=web-1 outcome=ok", log[1], StringComparison.Ordinal);
        Assert.Contains("op=ping", log[2], StringComparison.Ordinal);
        Assert.Contains("outcome=ended: the client closed it after 4 requests", log[5], StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"op":"container.stop","container":"billing-1"}""", "belongs to service 'billing'")]
    [InlineData("""{"op":"container.create","spec":{"image":"registry.example.com/team/web:1","labels":{"baton.service":"web"},"Privileged":true}}""", "'Privileged'")]
    [InlineData("""{"op":"exec","container":"web-1"}""", "'exec' is not an operation of baton host")]
    [InlineData("""{"op":"container.stop","container":"web-1","spec":{"image":"a"}}""", "does not take 'spec'")]
    [InlineData("not json", "not valid JSON")]
    [InlineData("""{"op":"image.pull","image":"elsewhere.example.com/evil:1"}""", "does not run image")]
    [InlineData("""{"op":"events"}""", "The operation events is not answered inside a session: an event stream needs a channel of its own.")]
    [InlineData("""{"op":"events","labels":["baton.service=web"]}""", "not answered inside a session")]
    [InlineData("""{"op":"session"}""", "This channel is a session already")]
    public async Task Session_RefusedRequest_RefusedWithOneSentenceAndTheSessionGoesOn(string request, string expected)
    {
        await using var agent = AgentRun.Start();
        await agent.SendAsync(Session);
        await agent.ReadAsync();

        await agent.SendAsync(request);
        var refused = JsonDocument.Parse(await agent.ReadAsync() ?? "null").RootElement;
        await agent.SendAsync("""{"op":"container.inspect","container":"web-1"}""");
        var after = await agent.ReadAsync();
        agent.CloseInput();

        Assert.True(refused.GetProperty("refused").GetBoolean());
        Assert.Contains(expected, refused.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal("web-1", Value(after).GetProperty("name").GetString());
        Assert.Equal(0, await agent.ExitAsync());
        Assert.Empty(agent.Engine.Acted);
        Assert.Contains(agent.Log(), l => l.Contains("outcome=refused: ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Session_LineLargerThan1MiB_RefusedUnreadAndTheSessionEnds()
    {
        await using var agent = AgentRun.Start();
        await agent.SendAsync(Session);
        await agent.ReadAsync();

        var sending = agent.SendAsync("{\"op\":\"ping\",\"x\":\"" + new string('a', 2 * 1024 * 1024) + "\"}");
        var answer = await agent.ReadAsync();

        Assert.Contains("larger than 1 MiB", answer, StringComparison.Ordinal);
        Assert.Equal(0, await agent.ExitAsync());
        Assert.Null(await agent.ReadAsync());
        Assert.Contains("outcome=ended: a request too large to read after 0 requests", agent.Log()[^1], StringComparison.Ordinal);
        agent.CloseInput();
        await Assert.ThrowsAnyAsync<IOException>(() => sending);
    }

    [Fact]
    public async Task Session_NoRequestWithinTheIdleBound_EndsItself()
    {
        await using var agent = AgentRun.Start(TimeSpan.FromMilliseconds(300));
        await agent.SendAsync(Session);
        await agent.ReadAsync();
        await agent.SendAsync("""{"op":"ping"}""");
        await agent.ReadAsync();

        Assert.Equal(0, await agent.ExitAsync().WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Null(await agent.ReadAsync());
        Assert.Contains("outcome=ended: no request for 0.3 s after 1 request", agent.Log()[^1], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Session_InputEndsRightAfterTheSessionLine_ExitsZero()
    {
        await using var agent = AgentRun.Start();
        await agent.SendAsync(Session);
        Assert.Equal("""{"ok":true}""", await agent.ReadAsync());

        agent.CloseInput();

        Assert.Equal(0, await agent.ExitAsync());
        Assert.Equal(0, agent.Engine.Connects);
        Assert.Contains("outcome=ended: the client closed it after 0 requests", agent.Log()[^1], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Session_WithArguments_Refused()
    {
        await using var agent = AgentRun.Start();

        await agent.SendAsync("""{"op":"session","container":"web-1"}""");
        var answer = JsonDocument.Parse(await agent.ReadAsync() ?? "null").RootElement;

        Assert.Equal("The operation session does not take 'container'; it takes nothing.", answer.GetProperty("message").GetString());
        Assert.Equal(0, await agent.ExitAsync());
    }

    private static JsonElement Value(string? answer)
    {
        Assert.NotNull(answer);
        var root = JsonDocument.Parse(answer).RootElement;
        Assert.True(root.GetProperty("ok").GetBoolean(), answer);
        return root.GetProperty("value");
    }

    /// <summary>The agent's <see cref="HostAgent.RunAsync(Stream, Stream, TextWriter, CancellationToken)"/> on pipes, with a fake engine and its log in a temporary file.</summary>
    private sealed class AgentRun : IAsyncDisposable
    {
        private readonly AnonymousPipeServerStream toAgent = new(PipeDirection.Out);
        private readonly AnonymousPipeServerStream fromAgent = new(PipeDirection.In);
        private readonly string logPath = Path.Combine(Path.GetTempPath(), $"baton-session-{Guid.NewGuid():N}.log");
        private readonly LineReader reader;
        private readonly Task<int> running;
        private readonly CancellationTokenSource stop = new(TimeSpan.FromSeconds(60));

        private AgentRun(TimeSpan? idle)
        {
            var config = HostConfigParser.Parse("""
                name: app1
                services: [web]
                images: [registry.example.com/team/]
                """).Config!;
            var agent = new HostAgent(config, _ =>
            {
                Engine.Connected();
                return Task.FromResult<DockerResult<IContainerEngine>>(Engine);
            }, new AgentLog(logPath, TimeProvider.System, TextWriter.Null), TimeProvider.System, idle);
            var input = new AnonymousPipeClientStream(PipeDirection.In, toAgent.ClientSafePipeHandle);
            var output = new AnonymousPipeClientStream(PipeDirection.Out, fromAgent.ClientSafePipeHandle);
            reader = new LineReader(fromAgent, 64 * 1024 * 1024);
            running = Task.Run(async () =>
            {
                try
                {
                    return await agent.RunAsync(input, output, TextWriter.Null, stop.Token);
                }
                finally
                {
                    // The process's end closes its standard output.
                    await output.DisposeAsync();
                }
            });
        }

        public FakeEngine Engine { get; } = new();

        public static AgentRun Start(TimeSpan? idle = null) => new(idle);

        public async Task SendAsync(string line)
        {
            await toAgent.WriteAsync(Encoding.UTF8.GetBytes(line + "\n"));
            await toAgent.FlushAsync();
        }

        /// <summary>The next answer line (heartbeats skipped), or null at the end of the output.</summary>
        public async Task<string?> ReadAsync() =>
            await reader.ReadAnswerAsync(stop.Token).WaitAsync(stop.Token) is { } line ? Encoding.UTF8.GetString(line) : null;

        public void CloseInput() => toAgent.Dispose();

        public Task<int> ExitAsync() => running.WaitAsync(stop.Token);

        public string[] Log() => File.Exists(logPath) ? File.ReadAllLines(logPath) : [];

        public async ValueTask DisposeAsync()
        {
            toAgent.Dispose();
            try
            {
                await running.WaitAsync(TimeSpan.FromSeconds(10));
            }
            catch (Exception e) when (e is TimeoutException or IOException or OperationCanceledException)
            {
                // A test that failed half-way: the agent's end is not what it checks.
            }
            fromAgent.Dispose();
            stop.Dispose();
            File.Delete(logPath);
        }
    }
}
