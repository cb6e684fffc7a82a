using System.IO.Pipes;
using System.Text;

namespace Baton.Hosts.Tests.Remote;

/// <summary>A transport whose one channel's output the test writes by hand: what a far agent, or a broken one, would send.</summary>
internal sealed class ScriptedTransport : IHostTransport, IAsyncDisposable
{
    private readonly AnonymousPipeServerStream agentSide = new(PipeDirection.Out);
    private readonly ScriptedChannel channel;

    public ScriptedTransport() => channel = new ScriptedChannel(new AnonymousPipeClientStream(PipeDirection.In, agentSide.ClientSafePipeHandle));

    public string Description => "app7 (scripted)";

    /// <summary>What the client wrote to the agent's stdin.</summary>
    public string Request => Encoding.UTF8.GetString(channel.Written.ToArray());

    public Task<IHostChannel> OpenAsync(CancellationToken cancellationToken) => Task.FromResult<IHostChannel>(channel);

    public async Task SendAsync(string lines)
    {
        await agentSide.WriteAsync(Encoding.UTF8.GetBytes(lines));
        await agentSide.FlushAsync();
    }

    /// <summary>The far side goes away: the client reads the end of the output.</summary>
    public void Close() => agentSide.Dispose();

    public async ValueTask DisposeAsync()
    {
        await agentSide.DisposeAsync();
        await channel.DisposeAsync();
    }

    private sealed class ScriptedChannel(Stream output) : IHostChannel
    {
        public MemoryStream Written { get; } = new();

        public Stream Input => Written;

        public Stream Output => output;

        public Task<(int ExitCode, string Error)> CompletionAsync(CancellationToken cancellationToken) => Task.FromResult((1, "error: scripted agent"));

        public ValueTask DisposeAsync() => output.DisposeAsync();
    }
}
