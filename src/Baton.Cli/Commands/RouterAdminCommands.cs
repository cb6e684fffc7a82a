using System.CommandLine;
using System.Text.Json;
using Baton.Contracts;
using Baton.Server.RouterLink;

namespace Baton.Cli.Commands;

/// <summary>
/// <c>baton router run|link|add|list|check|remove</c>: a router alone on a router host, its
/// forced command, and the router hosts a controller switches together with its own router.
/// </summary>
internal static class RouterAdminCommands
{
    public static void AddTo(Command router)
    {
        router.Subcommands.Add(Baton.Cli.Commands.ServerCommand.RouterRun());
        router.Subcommands.Add(Link());
        router.Subcommands.Add(Add());
        router.Subcommands.Add(List());
        router.Subcommands.Add(Check());
        router.Subcommands.Add(Remove());
    }

    private static Command Link()
    {
        var command = new Command("link",
            "The forced command for a router host's authorized_keys: relays standard input and output to the control socket of the router in --data (as `docker system dial-stdio` does), so the controller's key can do router operations and nothing else");
        command.SetAction(async (parse, ct) =>
        {
            var data = parse.GetValue(ClientOptions.Data) ?? Environment.GetEnvironmentVariable("BATON_DATA") ?? "./.baton";
            await using var input = Console.OpenStandardInput();
            await using var output = Console.OpenStandardOutput();
            return await RouterLinkRelay.RunAsync(data, input, output, Console.Error, ct) == 0 ? ExitCodes.Success : ExitCodes.Unreachable;
        });
        return command;
    }

    private static Command Add()
    {
        var name = new Argument<string>("name") { Description = "The router host's name in Baton, e.g. r2 (lower-case letters, digits, '-')" };
        var ssh = new Option<string>("--ssh") { Description = "Where to log in: USER@ADDRESS[:PORT], e.g. baton@10.200.0.1", Required = true, HelpName = "USER@ADDRESS[:PORT]" };
        var forced = new Option<string?>("--command")
        {
            Description = $"The program the key may run there (its forced command); default: {RouterLinkRelay.DefaultCommand}",
            HelpName = "COMMAND",
        };
        var command = new Command("add",
            "Add a router host: make its key pair, print the authorized_keys line to install on it (forced command `baton router link`), pin its SSH host key at first contact and check the connection; every switch then lands on it too")
        { name, ssh, forced, ClientOptions.Json };
        command.SetAction(async (parse, ct) =>
        {
            using var client = ClientOptions.Connect(parse);
            if (client is null) return ExitCodes.BadInput;
            var result = await client.PostAsync("api/routers", new HostAddRequest(parse.GetValue(name), parse.GetValue(ssh), parse.GetValue(forced)),
                BatonJson.Default.HostAddRequest, BatonJson.Default.RouterAddResponse, ct);
            if (!result.Ok) return Output.Fail(result.ExitCode, result.Error!);
            var (router, contact) = (result.Value!.Router, result.Value.Contact);
            if (parse.GetValue(ClientOptions.Json))
            {
                Output.Line(JsonSerializer.Serialize(result.Value, BatonJson.Default.RouterAddResponse));
                return ExitCodes.Success;
            }
            var at = router.Ssh.IndexOf('@', StringComparison.Ordinal);
            Output.Line($"Added the router {router.Name} ({router.Ssh}) with a key pair of its own; the private key stays on the controller.");
            Output.Line();
            Output.Line($"Put this line in ~{router.Ssh[..at]}/.ssh/authorized_keys on the router host (it lets this key run `baton router link` and nothing else):");
            Output.Line();
            Output.Line(router.AuthorizedKeysLine);
            Output.Line();
            Output.Line(router.HostKey is { } key
                ? $"Host key pinned: {key.Fingerprint} ({key.Algorithm}); a server presenting another key is refused."
                : $"Host key: not pinned yet (no SSH conversation happened); the first `baton router check {router.Name}` that reaches it pins it.");
            Output.Line(contact.Reachable
                ? $"Connection: works; its router process is PID {contact.Pid}."
                : $"Connection: not working yet: {contact.Problem} `baton router check {router.Name}` tries again.");
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command List()
    {
        var command = new Command("list", "List every router a switch lands on (this controller's own, local, and each router host), as each answers now") { ClientOptions.Json };
        command.SetAction(async (parse, ct) =>
        {
            using var client = ClientOptions.Connect(parse);
            if (client is null) return ExitCodes.BadInput;
            var result = await client.GetAsync("api/routers", BatonJson.Default.RoutersResponse, ct);
            if (!result.Ok) return Output.Fail(result.ExitCode, result.Error!);
            if (parse.GetValue(ClientOptions.Json))
            {
                Output.Line(JsonSerializer.Serialize(result.Value!, BatonJson.Default.RoutersResponse));
                return ExitCodes.Success;
            }
            Print(result.Value!.Routers);
            return ExitCodes.Success;
        });
        return command;
    }

    /// <summary>Each router's view: one line for the router, one per service it routes.</summary>
    public static void Print(IReadOnlyList<RouterView> routers)
    {
        foreach (var r in routers)
        {
            var head = r.Reachable ? $"router PID {r.Pid}" : $"NOT REACHABLE: {r.Problem}";
            Output.Line($"{r.Name,-10} {(r.Ssh ?? "this controller's own"),-28} {head}");
            foreach (var s in r.Services)
                Output.Line($"  {s.Service,-20} live on {s.Pool ?? "(unnamed pool)"} ({string.Join(", ", s.Targets)}){(s.Candidate is null ? "" : $"; {s.Candidate} staged")}");
        }
    }

    private static Command Check()
    {
        var name = new Argument<string>("name") { Description = "The router host's name, from baton router list" };
        var command = new Command("check", "Log in to a router host (its host key must be the pinned one) and ask its router process; exit 0 only when it answers")
        { name, ClientOptions.Json };
        command.SetAction(async (parse, ct) =>
        {
            using var client = ClientOptions.Connect(parse);
            if (client is null) return ExitCodes.BadInput;
            var result = await client.SendAsync(HttpMethod.Post, $"api/routers/{Uri.EscapeDataString(parse.GetValue(name)!)}/check", BatonJson.Default.RouterView, ct);
            if (!result.Ok) return Output.Fail(result.ExitCode, result.Error!);
            var view = result.Value!;
            if (parse.GetValue(ClientOptions.Json)) Output.Line(JsonSerializer.Serialize(view, BatonJson.Default.RouterView));
            else if (view.Reachable) Print([view]);
            return view.Reachable ? ExitCodes.Success : parse.GetValue(ClientOptions.Json) ? ExitCodes.Failed : Output.Fail(ExitCodes.Failed, view.Problem ?? $"The router {view.Name} does not answer.");
        });
        return command;
    }

    private static Command Remove()
    {
        var name = new Argument<string>("name") { Description = "The router host's name, from baton router list" };
        var command = new Command("remove", "Forget a router host, its key pair and its pinned host key: switches no longer go to it (it keeps serving its last state)") { name };
        command.SetAction(async (parse, ct) =>
        {
            using var client = ClientOptions.Connect(parse);
            if (client is null) return ExitCodes.BadInput;
            var router = parse.GetValue(name)!;
            var result = await client.SendAsync<object>(HttpMethod.Delete, $"api/routers/{Uri.EscapeDataString(router)}", null, ct);
            if (!result.Ok) return Output.Fail(result.ExitCode, result.Error!);
            Output.Line($"Removed the router {router} and its key pair; switches no longer reach it. Delete its line (ending baton@{router}) from authorized_keys on the router host too.");
            return ExitCodes.Success;
        });
        return command;
    }
}
