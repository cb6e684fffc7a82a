using System.CommandLine;

namespace Baton.Cli.Commands;

/// <summary><c>baton remove SERVICE</c>.</summary>
internal sealed class RemoveCommand() : ServiceCommand("remove", "Stop routing a service; requests in flight finish", "Service to remove")
{
    protected override async Task<int> RunAsync(BatonClient client, ParseResult parse, string service, CancellationToken ct)
    {
        var result = await client.SendAsync<object>(HttpMethod.Delete, PathOf(service), null, ct);
        if (!result.Ok) return Output.Fail(result.ExitCode, result.Error!);
        Output.Line($"Removed {service}; its targets drain in the background.");
        return ExitCodes.Success;
    }
}
