using System.CommandLine;
using Baton.Hosts.Agent;

namespace Baton.Cli.Commands;

/// <summary>
/// <c>baton host</c>: with <c>--config FILE</c>, the agent that runs on an app server as the forced command of the
/// controller's SSH key (<c>command="baton host --config /etc/baton/host.yml",restrict</c> in authorized_keys).
/// It answers one request from standard input and exits, or, after a first session line, requests in turn until its
/// input ends or it idles (docs/hosts.md, "Sessions"). Subcommands that manage the controller's hosts are added
/// beside the agent, in the constructor.
/// </summary>
internal sealed class HostCommand : Command
{
    private readonly Option<string?> config = new("--config")
    {
        HelpName = "FILE",
        Description = "Run as the app server's agent: answer one request on stdin (or, after a session line, requests in turn) with what this host config (YAML) allows, e.g. /etc/baton/host.yml",
    };

    public HostCommand() : base("host",
        "App servers: `baton host --config FILE` is the only program the controller may run on one (the forced command of its SSH key); it does Baton's container operations for the services, images, volumes and networks FILE allows, and nothing else")
    {
        Options.Add(config);
        SetAction(RunAgentAsync);
        HostAdminCommands.AddTo(this);
    }

    private async Task<int> RunAgentAsync(ParseResult parse, CancellationToken ct)
    {
        // Under a forced command the client's own words arrive in SSH_ORIGINAL_COMMAND; they are ignored on purpose:
        // the request is on stdin, and nothing the client says may choose what runs.
        if (parse.GetValue(config) is not { } path)
        {
            return Output.Fail(ExitCodes.BadInput,
                "baton host needs --config FILE to run as an app server's agent (the forced command of the controller's SSH key); see `baton host --help`.");
        }
        if (!Console.IsInputRedirected)
        {
            return Output.Fail(ExitCodes.BadInput,
                "baton host --config reads one JSON request from stdin, as the controller sends it over SSH; it is not meant to be typed at a terminal.");
        }
        await using var input = Console.OpenStandardInput();
        await using var output = Console.OpenStandardOutput();
        return await HostAgent.RunAsync(path, input, output, Console.Error, ct);
    }
}
