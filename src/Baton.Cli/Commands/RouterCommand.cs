using System.CommandLine;
using System.Diagnostics;
using Baton.Contracts;

namespace Baton.Cli.Commands;

/// <summary>
/// <c>baton router status</c> and <c>baton router restart</c>: the process that serves the public listeners;
/// <c>run</c>, <c>link</c>, <c>add</c>, <c>list</c>, <c>check</c>, <c>remove</c>: routers on hosts of their own (<see cref="RouterAdminCommands"/>).
/// </summary>
internal sealed class RouterCommand : Command
{
    public RouterCommand() : base("router", "The router: which process serves, replacing it with no dropped connection, and routers on hosts of their own switched together")
    {
        var status = new Command("status", "Show the router process: PID, supervised or not, restarts so far");
        status.Options.Add(ClientOptions.Json);
        status.SetAction(StatusAsync);
        Subcommands.Add(status);

        var restart = new Command("restart",
            "Replace the router process with a new one started from the binary on disk (an upgrade, or a fresh start) with no refused connection and no failed request; waits until the new one serves. SIGHUP to baton server does the same.");
        restart.SetAction(RestartAsync);
        Subcommands.Add(restart);
        RouterAdminCommands.AddTo(this);
    }

    private static async Task<int> StatusAsync(ParseResult parse, CancellationToken ct)
    {
        using var client = ClientOptions.Connect(parse);
        if (client is null) return ExitCodes.BadInput;
        var result = await client.GetAsync("api/router", BatonJson.Default.RouterProcessResponse, ct);
        if (!result.Ok) return Output.Fail(result.ExitCode, result.Error!);
        var r = result.Value!;
        if (parse.GetValue(ClientOptions.Json))
        {
            Output.Line(System.Text.Json.JsonSerializer.Serialize(r, BatonJson.Indented.RouterProcessResponse));
            return ExitCodes.Success;
        }
        Output.Line($"Router process PID {r.Pid}, serving since {r.StartedAt.ToLocalTime():yyyy-MM-dd HH:mm:ss}; {(r.Supervised ? $"supervised, {r.Restarts} restart{(r.Restarts == 1 ? "" : "s")} so far" : "not supervised (one process)")}{(r.Supervised && r.ControllerPid is { } c && c != r.Pid ? $"; controller process PID {c}" : "")}.");
        return ExitCodes.Success;
    }

    private static async Task<int> RestartAsync(ParseResult parse, CancellationToken ct)
    {
        using var client = ClientOptions.Connect(parse);
        if (client is null) return ExitCodes.BadInput;
        var clock = Stopwatch.StartNew();
        var asked = await client.SendAsync(HttpMethod.Post, "api/router/restart", BatonJson.Default.RouterProcessResponse, ct);
        if (!asked.Ok) return Output.Fail(asked.ExitCode, asked.Error!);
        var old = asked.Value!;
        Output.Line(old.Message ?? "Restarting.");
        // The admin API is the new process's once it answers with another PID.
        var deadline = TimeSpan.FromSeconds(120);
        while (clock.Elapsed < deadline)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(250), ct);
            var now = await client.GetAsync("api/router", BatonJson.Default.RouterProcessResponse, ct);
            if (now.Ok && now.Value!.Pid != old.Pid)
            {
                Output.Line($"Router restarted in {clock.Elapsed.TotalSeconds:0.0} s: PID {now.Value.Pid} serves (PID {old.Pid} drains its requests in flight and stops).");
                return ExitCodes.Success;
            }
        }
        return Output.Fail(ExitCodes.Failed, $"No new router process answered within {deadline.TotalSeconds:0} s; PID {old.Pid} may still be serving (see baton server's output).");
    }
}
