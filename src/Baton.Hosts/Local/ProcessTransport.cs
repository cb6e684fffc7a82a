using System.ComponentModel;
using System.Diagnostics;

namespace Baton.Hosts.Local;

/// <summary>
/// A host reached by starting a local process per channel, e.g. <c>dotnet baton.dll host --config F</c>: the
/// same agent as over SSH, without SSH. For tests, and for a controller on the app server itself.
/// </summary>
public sealed class ProcessTransport : IHostTransport
{
    private readonly string fileName;
    private readonly IReadOnlyList<string> arguments;
    private readonly IReadOnlyDictionary<string, string?> environment;

    public ProcessTransport(string fileName, IReadOnlyList<string> arguments, string? description = null, IReadOnlyDictionary<string, string?>? environment = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(fileName);
        ArgumentNullException.ThrowIfNull(arguments);
        this.fileName = fileName;
        this.arguments = arguments;
        this.environment = environment ?? new Dictionary<string, string?>();
        Description = description ?? $"local process {Path.GetFileName(fileName)}";
    }

    /// <summary>The agent of a built <c>baton.dll</c> with a host config, run by the dotnet host that runs this process.</summary>
    public static ProcessTransport BatonHost(string batonDll, string configPath, string? description = null)
    {
        var dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet";
        return new ProcessTransport(dotnet, [batonDll, "host", "--config", configPath], description ?? $"local baton host ({configPath})");
    }

    public string Description { get; }

    public Task<IHostChannel> OpenAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var psi = new ProcessStartInfo(fileName)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in arguments) psi.ArgumentList.Add(a);
        foreach (var (k, v) in environment) psi.Environment[k] = v;
        try
        {
            var process = Process.Start(psi) ?? throw new HostUnreachableException($"{fileName} did not start.");
            return Task.FromResult<IHostChannel>(new ProcessChannel(process));
        }
        catch (Win32Exception e)
        {
            throw new HostUnreachableException($"{fileName} could not be started: {e.Message.TrimEnd('.')}.", e);
        }
    }

    /// <summary>One running process: its standard streams, and its standard error read as it comes so the pipe never fills.</summary>
    private sealed class ProcessChannel : IHostChannel
    {
        /// <summary>After its answer, the agent exits by itself; one that does not within this is killed.</summary>
        private static readonly TimeSpan ExitGrace = TimeSpan.FromSeconds(5);

        private readonly Process process;
        private readonly Task<string> error;

        public ProcessChannel(Process process)
        {
            this.process = process;
            error = process.StandardError.ReadToEndAsync();
        }

        public Stream Input => process.StandardInput.BaseStream;

        public Stream Output => process.StandardOutput.BaseStream;

        public bool HasEnded => process.HasExited;

        public async Task<(int ExitCode, string Error)> CompletionAsync(CancellationToken cancellationToken)
        {
            await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
            return (process.ExitCode, await error.WaitAsync(cancellationToken).ConfigureAwait(false));
        }

        public async ValueTask DisposeAsync()
        {
            try
            {
                // The caller usually closed Input (the writer's base stream) already; the writer's own flush would then throw.
                process.StandardInput.BaseStream.Close();
            }
            catch (IOException)
            {
                // The process is gone already.
            }
            using var grace = new CancellationTokenSource(ExitGrace);
            try
            {
                await process.WaitForExitAsync(grace.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
            }
            process.Dispose();
        }
    }
}
