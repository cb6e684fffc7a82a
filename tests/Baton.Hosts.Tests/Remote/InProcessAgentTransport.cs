using System.IO.Pipes;
using System.Text;
using Baton.Docker;
using Baton.Hosts.Agent;
using Baton.Hosts.Tests.Agent;

namespace Baton.Hosts.Tests.Remote;

/// <summary>
/// A transport whose every channel runs the real agent in this process, on pipes, with one <see cref="FakeEngine"/>:
/// what <see cref="Baton.Hosts.Remote.RemoteEngine"/> does with its sessions, without starting processes. With
/// <c>older</c>, each channel is an agent of a Baton without sessions: it refuses the session line as an unknown
/// operation, and answers any other first line alone.
/// </summary>
internal sealed class InProcessAgentTransport(bool older = false) : IHostTransport
{
    private readonly List<AgentChannel> opened = [];

    public FakeEngine Engine { get; } = new();

    public bool Older => older;

    public string Description => "app5 (in-process)";

    public IReadOnlyList<AgentChannel> Opened
    {
        get
        {
            lock (opened) return [.. opened];
        }
    }

    public Task<IHostChannel> OpenAsync(CancellationToken cancellationToken)
    {
        var channel = new AgentChannel(this);
        lock (opened) opened.Add(channel);
        return Task.FromResult<IHostChannel>(channel);
    }

    internal sealed class AgentChannel : IHostChannel
    {
        private static readonly HostConfig Config = HostConfigParser.Parse("name: app5\nservices: [web]\nimages: [registry.example.com/team/]\n").Config!;

        private readonly AnonymousPipeServerStream toAgent = new(PipeDirection.Out);
        private readonly AnonymousPipeServerStream fromAgent = new(PipeDirection.In);
        private readonly CancellationTokenSource kill = new();
        private readonly Task<int> running;

        public AgentChannel(InProcessAgentTransport transport)
        {
            var input = new AnonymousPipeClientStream(PipeDirection.In, toAgent.ClientSafePipeHandle);
            var output = new AnonymousPipeClientStream(PipeDirection.Out, fromAgent.ClientSafePipeHandle);
            var agent = new HostAgent(Config, _ =>
            {
                transport.Engine.Connected();
                return Task.FromResult<DockerResult<IContainerEngine>>(transport.Engine);
            }, new AgentLog(null, TimeProvider.System, TextWriter.Null), TimeProvider.System);
            running = Task.Run(async () =>
            {
                try
                {
                    return transport.Older ? await OlderAsync(agent, input, output, kill.Token) : await agent.RunAsync(input, output, TextWriter.Null, kill.Token);
                }
                finally
                {
                    await output.DisposeAsync();
                    await input.DisposeAsync();
                }
            });
        }

        public Stream Input => toAgent;

        public Stream Output => fromAgent;

        public bool HasEnded => running.IsCompleted;

        /// <summary>The agent's process is killed: its output ends without an answer.</summary>
        public async Task KillAsync()
        {
            await kill.CancelAsync();
            await running.ContinueWith(_ => { }, TaskScheduler.Default);
        }

        public async Task<(int ExitCode, string Error)> CompletionAsync(CancellationToken cancellationToken)
        {
            await running.ContinueWith(_ => { }, TaskScheduler.Default).WaitAsync(cancellationToken);
            return running.IsCompletedSuccessfully ? (running.Result, "") : (-1, "The agent was killed.");
        }

        public async ValueTask DisposeAsync()
        {
            toAgent.Dispose();
            try
            {
                await running.WaitAsync(TimeSpan.FromSeconds(1));
            }
            catch (Exception e) when (e is TimeoutException or OperationCanceledException or IOException)
            {
                await KillAsync();
            }
            fromAgent.Dispose();
        }

        /// <summary>An agent of a Baton before sessions: one line, answered alone; "session" is not an operation it knows.</summary>
        private static async Task<int> OlderAsync(HostAgent agent, Stream input, Stream output, CancellationToken ct)
        {
            var (_, line, _) = await new RequestLine(input, 1024 * 1024).ReadAsync(ct);
            if (Encoding.UTF8.GetString(line).Contains("\"op\":\"session\"", StringComparison.Ordinal))
            {
                await output.WriteAsync("{\"ok\":false,\"error\":\"Engine\",\"refused\":true,\"message\":\"'session' is not an operation of baton host; it answers ping, container.inspect.\"}\n"u8.ToArray(), ct);
                return 0;
            }
            return await agent.RunAsync(new MemoryStream([.. line, (byte)'\n']), output, TextWriter.Null, ct);
        }
    }
}
