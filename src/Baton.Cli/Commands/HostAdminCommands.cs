using System.CommandLine;
using System.Text.Json;
using Baton.Contracts;
using Baton.Hosts.Ssh;

namespace Baton.Cli.Commands;

/// <summary>
/// <c>baton host add|check|list|repin|remove|drain|resume</c>: the app servers the controller reaches
/// over SSH, through the admin API. Each gets a key pair of its own, bound on the server to one program
/// by its authorized_keys line; its host key is pinned at first contact and a changed one is refused.
/// A drained server serves no traffic and gets no new containers until it is resumed.
/// </summary>
internal static class HostAdminCommands
{
    public static void AddTo(Command host)
    {
        host.Subcommands.Add(Add());
        host.Subcommands.Add(Check());
        host.Subcommands.Add(List());
        host.Subcommands.Add(Repin());
        host.Subcommands.Add(Remove());
        host.Subcommands.Add(Drain("drain", "Take an app server out of every pool so it can be rebooted: its replicas leave the live pools (stopped, kept), a live release that runs only there moves to the other colour's servers; no new container goes there until `baton host resume`"));
        host.Subcommands.Add(Drain("resume", "Bring a drained app server back: its stopped replicas start, pass their health checks and rejoin their live pools (a release that moved away stays where it is)"));
    }

    /// <summary><c>drain NAME</c> and <c>resume NAME</c>: each service's steps as they happen; exit 0 when done, 6 when refused.</summary>
    private static Command Drain(string verb, string description)
    {
        var name = new Argument<string>("name") { Description = "The server's name, from baton host list" };
        var command = new Command(verb, description) { name };
        command.SetAction(async (parse, ct) =>
        {
            using var client = ClientOptions.Connect(parse);
            if (client is null) return ExitCodes.BadInput;
            var host = parse.GetValue(name)!;
            using var request = new HttpRequestMessage(HttpMethod.Post, $"api/hosts/{Uri.EscapeDataString(host)}/{verb}");
            return await ProgressReader.FollowAsync(client, request, verb == "drain" ? $"Draining {host}" : $"Resuming {host}", ct);
        });
        return command;
    }

    private static Command Add()
    {
        var name = new Argument<string>("name") { Description = "The server's name in Baton, e.g. app1 (lower-case letters, digits, '-')" };
        var ssh = new Option<string>("--ssh") { Description = "Where to log in: USER@ADDRESS[:PORT], e.g. deploy@10.200.0.2", Required = true, HelpName = "USER@ADDRESS[:PORT]" };
        var forced = new Option<string?>("--command")
        {
            Description = $"The program the key may run there (its forced command); default: {AuthorizedKey.DefaultCommand}",
            HelpName = "COMMAND",
        };
        var command = new Command("add",
            "Add an app server: make its key pair, print the authorized_keys line to install on it, pin its SSH host key at first contact and check the connection")
        { name, ssh, forced, ClientOptions.Json };
        command.SetAction(async (parse, ct) =>
        {
            using var client = ClientOptions.Connect(parse);
            if (client is null) return ExitCodes.BadInput;
            var result = await client.PostAsync("api/hosts", new HostAddRequest(parse.GetValue(name), parse.GetValue(ssh), parse.GetValue(forced)),
                BatonJson.Default.HostAddRequest, BatonJson.Default.HostContactResponse, ct);
            if (!result.Ok) return Output.Fail(result.ExitCode, result.Error!);
            var (host, contact) = (result.Value!.Host, result.Value.Contact);
            if (parse.GetValue(ClientOptions.Json))
            {
                Output.Line(JsonSerializer.Serialize(result.Value, BatonJson.Indented.HostContactResponse));
                return ExitCodes.Success;
            }
            var (user, address) = UserAndAddress(host.Ssh);
            Output.Line($"Added {host.Name} ({host.Ssh}) with a key pair of its own; the private key stays on the Baton server.");
            Output.Line();
            Output.Line($"Put this line in ~{user}/.ssh/authorized_keys on {address} (it lets this key run that command and nothing else):");
            Output.Line();
            Output.Line(host.AuthorizedKeysLine);
            Output.Line();
            Output.Line(host.HostKey is { } key
                ? $"Host key pinned: {key.Fingerprint} ({key.Algorithm}); a server presenting another key is refused. On {address}, `ssh-keygen -lf /etc/ssh/ssh_host_{KeyFileName(key.Algorithm)}_key.pub` shows the same."
                : $"Host key: not pinned yet (no SSH conversation happened); the first `baton host check {host.Name}` that reaches it pins it.");
            Output.Line(contact.Outcome switch
            {
                HostOutcomes.Ok => $"Connection: works; its agent answers as {contact.Agent!.Name} (engine {contact.Agent.EngineVersion}).",
                HostOutcomes.KeyRefused => $"Connection: the server does not accept this key yet. Install the line above, then `baton host check {host.Name}` verifies it.",
                _ => $"Connection: not working yet: {contact.Problem} `baton host check {host.Name}` tries again.",
            });
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command Check()
    {
        var name = new Argument<string>("name") { Description = "The server's name, from baton host list" };
        var command = new Command("check", "Log in to an app server (its host key must be the pinned one) and ping its agent; exit 0 only when both work")
        { name, ClientOptions.Json };
        command.SetAction(async (parse, ct) =>
        {
            using var client = ClientOptions.Connect(parse);
            if (client is null) return ExitCodes.BadInput;
            var result = await client.SendAsync(HttpMethod.Post, $"api/hosts/{Uri.EscapeDataString(parse.GetValue(name)!)}/check", BatonJson.Default.HostContactResponse, ct);
            if (!result.Ok) return Output.Fail(result.ExitCode, result.Error!);
            return Report(result.Value!, parse.GetValue(ClientOptions.Json), repinned: null);
        });
        return command;
    }

    private static Command Repin()
    {
        var name = new Argument<string>("name") { Description = "The server's name, from baton host list" };
        var command = new Command("repin",
            "Pin the SSH host key the app server presents now, replacing the pinned one: only for a server whose host key you changed on purpose (compare it with ssh-keygen -lf on the server)")
        { name, ClientOptions.Json };
        command.SetAction(async (parse, ct) =>
        {
            using var client = ClientOptions.Connect(parse);
            if (client is null) return ExitCodes.BadInput;
            var host = parse.GetValue(name)!;
            var result = await client.SendAsync(HttpMethod.Post, $"api/hosts/{Uri.EscapeDataString(host)}/repin", BatonJson.Default.HostContactResponse, ct);
            if (!result.Ok) return Output.Fail(result.ExitCode, result.Error!);
            return Report(result.Value!, parse.GetValue(ClientOptions.Json), repinned: true);
        });
        return command;
    }

    private static Command List()
    {
        var command = new Command("list", "List the app servers: SSH target, pinned host key, forced command (never a private key)") { ClientOptions.Json };
        command.SetAction(async (parse, ct) =>
        {
            using var client = ClientOptions.Connect(parse);
            if (client is null) return ExitCodes.BadInput;
            var result = await client.GetAsync("api/hosts", BatonJson.Default.HostsResponse, ct);
            if (!result.Ok) return Output.Fail(result.ExitCode, result.Error!);
            if (parse.GetValue(ClientOptions.Json))
            {
                Output.Line(JsonSerializer.Serialize(result.Value!, BatonJson.Indented.HostsResponse));
                return ExitCodes.Success;
            }
            var hosts = result.Value!.Hosts;
            if (hosts.Count == 0)
            {
                Output.Line("No app servers; add one with: baton host add NAME --ssh USER@ADDRESS");
                return ExitCodes.Success;
            }
            var rows = hosts.Select(h => (h.Name, h.Ssh, State: h.Drained ? "drained" : "in service", Key: h.HostKey is { } k ? $"{k.Fingerprint} ({k.Algorithm})" : "not pinned yet", h.Command)).ToList();
            int nameWidth = Math.Max(4, rows.Max(r => r.Name.Length));
            int sshWidth = Math.Max(3, rows.Max(r => r.Ssh.Length));
            int stateWidth = rows.Max(r => r.State.Length);
            int keyWidth = Math.Max(8, rows.Max(r => r.Key.Length));
            Output.Line($"{"NAME".PadRight(nameWidth)}  {"SSH".PadRight(sshWidth)}  {"HOST KEY".PadRight(keyWidth)}  {"STATE".PadRight(stateWidth)}  COMMAND");
            foreach (var r in rows) Output.Line($"{r.Name.PadRight(nameWidth)}  {r.Ssh.PadRight(sshWidth)}  {r.Key.PadRight(keyWidth)}  {r.State.PadRight(stateWidth)}  {r.Command}");
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command Remove()
    {
        var name = new Argument<string>("name") { Description = "The server's name, from baton host list" };
        var command = new Command("remove", "Forget an app server, its key pair and its pinned host key") { name };
        command.SetAction(async (parse, ct) =>
        {
            using var client = ClientOptions.Connect(parse);
            if (client is null) return ExitCodes.BadInput;
            var host = parse.GetValue(name)!;
            // Read first, to say which authorized_keys line is now dead weight on the server.
            var known = await client.GetAsync($"api/hosts/{Uri.EscapeDataString(host)}", BatonJson.Default.HostView, ct);
            if (!known.Ok) return Output.Fail(known.ExitCode, known.Error!);
            var result = await client.SendAsync<object>(HttpMethod.Delete, $"api/hosts/{Uri.EscapeDataString(host)}", null, ct);
            if (!result.Ok) return Output.Fail(result.ExitCode, result.Error!);
            var (user, address) = UserAndAddress(known.Value!.Ssh);
            Output.Line($"Removed {host} and its key pair; delete its line (ending baton@{host}) from ~{user}/.ssh/authorized_keys on {address} too.");
            return ExitCodes.Success;
        });
        return command;
    }

    /// <summary>Prints how a check or re-pin went; exit 0 only when the agent answered.</summary>
    private static int Report(HostContactResponse response, bool json, bool? repinned)
    {
        var (host, contact) = (response.Host, response.Contact);
        if (json)
        {
            Output.Line(JsonSerializer.Serialize(response, BatonJson.Indented.HostContactResponse));
            return contact.Outcome == HostOutcomes.Ok ? ExitCodes.Success : ExitCodes.Failed;
        }
        if (contact.Pinned && host.HostKey is { } key)
            Output.Line(repinned is true
                ? $"Pinned {host.Name}'s host key {key.Fingerprint} ({key.Algorithm}) in place of the old one."
                : $"Pinned {host.Name}'s host key at first contact: {key.Fingerprint} ({key.Algorithm}).");
        if (contact.Outcome != HostOutcomes.Ok) return Output.Fail(ExitCodes.Failed, contact.Problem ?? $"{host.Name}: {contact.Outcome}.");
        var agent = contact.Agent!;
        Output.Line($"{host.Name} ({host.Ssh}) works: host key {host.HostKey!.Fingerprint} ({host.HostKey.Algorithm}), Baton's key accepted, and its agent answers as {agent.Name} (engine {agent.EngineVersion}).");
        Output.Line($"  ports published on {agent.Address}; services {List(agent.Services)}; images {List(agent.Images)}");
        return ExitCodes.Success;
    }

    private static string List(IReadOnlyList<string> items) => items.Count == 0 ? "(none)" : string.Join(", ", items);

    /// <summary><c>deploy@10.200.0.2:22</c> → (deploy, 10.200.0.2); <c>deploy@[fd00::2]:22</c> → (deploy, fd00::2).</summary>
    private static (string User, string Address) UserAndAddress(string ssh)
    {
        int at = ssh.IndexOf('@', StringComparison.Ordinal);
        var rest = ssh[(at + 1)..];
        int colon = rest.LastIndexOf(':');
        var address = colon > 0 ? rest[..colon] : rest;
        return (ssh[..at], address.Trim('[', ']'));
    }

    /// <summary>The file name part OpenSSH gives a host key of that algorithm (<c>ssh_host_ed25519_key.pub</c>).</summary>
    private static string KeyFileName(string algorithm) => algorithm switch
    {
        "ssh-ed25519" => "ed25519",
        _ when algorithm.StartsWith("ecdsa", StringComparison.Ordinal) => "ecdsa",
        _ when algorithm.Contains("rsa", StringComparison.Ordinal) => "rsa",
        _ => "*",
    };
}
