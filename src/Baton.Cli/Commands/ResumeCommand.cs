using System.CommandLine;

namespace Baton.Cli.Commands;

/// <summary><c>baton resume SERVICE</c>.</summary>
internal sealed class ResumeCommand() : ServiceCommand("resume", "Release the requests held by pause and take new ones again", "Service to resume")
{
    protected override async Task<int> RunAsync(BatonClient client, ParseResult parse, string service, CancellationToken ct)
    {
        var result = await client.SendAsync<object>(HttpMethod.Post, PathOf(service, "/resume"), null, ct);
        if (!result.Ok) return Output.Fail(result.ExitCode, result.Error!);
        Output.Line($"Resumed {service}.");
        return ExitCodes.Success;
    }
}
