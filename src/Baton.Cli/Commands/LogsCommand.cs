using System.CommandLine;
using System.Globalization;
using System.Runtime.InteropServices;

namespace Baton.Cli.Commands;

/// <summary>
/// <c>baton logs SERVICE [--follow] [--release R] [--tail N]</c>: the container logs of every replica
/// of a service, wherever it runs, each line prefixed with its container's name (as docker compose does).
/// </summary>
internal sealed class LogsCommand : ServiceCommand
{
    private readonly Option<bool> _follow = new("--follow", "-f") { Description = "Go on printing new lines (a deploy's new containers join) until Ctrl+C" };
    private readonly Option<string?> _release = new("--release") { Description = "Only this release's containers, running or stopped (ids from `baton releases SERVICE`); default: the running ones" };
    private readonly Option<string?> _tail = new("--tail", "-n") { Description = "Lines shown from the end of each container's log first, 0 to 10000 (default 100)" };

    public LogsCommand() : base("logs", "Show the container logs of a service: every replica, on every app server, each line prefixed with its container")
    {
        Options.Add(_follow);
        Options.Add(_release);
        Options.Add(_tail);
    }

    protected override async Task<int> RunAsync(BatonClient client, ParseResult parse, string service, CancellationToken ct)
    {
        var query = new List<string>();
        if (parse.GetValue(_tail) is { } tailText)
        {
            if (!int.TryParse(tailText, NumberStyles.None, CultureInfo.InvariantCulture, out var tail) || tail > 10_000)
                return Output.Fail(ExitCodes.BadInput, $"--tail '{tailText}' is not a number of lines from 0 to 10000.");
            query.Add($"tail={tail}");
        }
        if (parse.GetValue(_release) is { } release) query.Add($"release={Uri.EscapeDataString(release)}");
        bool follow = parse.GetValue(_follow);
        if (follow) query.Add("follow=true");
        var path = PathOf(service, "/logs") + (query.Count == 0 ? "" : "?" + string.Join('&', query));

        // Ctrl+C (or SIGTERM) ends the reading here and the command exits with 130 by its own path, the connection
        // closed; without this the runtime's default would end the process from its signal thread.
        using var interrupted = CancellationTokenSource.CreateLinkedTokenSource(ct);
        void Interrupt(PosixSignalContext signal)
        {
            signal.Cancel = true;
            interrupted.Cancel();
        }
        using var onInterrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Interrupt);
        using var onTerminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Interrupt);
        HttpResponseMessage? response = null;
        try
        {
            var opened = await client.OpenStreamAsync(new HttpRequestMessage(HttpMethod.Get, path), interrupted.Token);
            if (!opened.Ok) return Output.Fail(opened.ExitCode, opened.Error!);
            response = opened.Value!;
            using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(interrupted.Token));
            while (await reader.ReadLineAsync(interrupted.Token) is { } line) Output.Line(line);
        }
        catch (Exception e) when (interrupted.IsCancellationRequested && e is OperationCanceledException or IOException or HttpRequestException)
        {
            // The user is done reading: 130, as for any program interrupted by SIGINT.
            return ExitCodes.Interrupted;
        }
        catch (Exception e) when (e is IOException or HttpRequestException)
        {
            return Output.Fail(ExitCodes.Unreachable, $"The connection to the Baton server broke while reading the logs of {service}: {e.Message}");
        }
        finally
        {
            response?.Dispose();
        }
        if (interrupted.IsCancellationRequested) return ExitCodes.Interrupted;
        return follow
            ? Output.Fail(ExitCodes.Unreachable, $"The Baton server ended the logs of {service} (it stopped or restarted); run the command again once it is back.")
            : ExitCodes.Success;
    }
}
