using System.CommandLine;
using Baton.Contracts;

namespace Baton.Cli.Commands;

/// <summary><c>baton remove SERVICE</c>.</summary>
internal sealed class RemoveCommand() : ServiceCommand("remove", "Stop routing a service; requests in flight finish, then its containers are removed", "Service to remove")
{
    protected override async Task<int> RunAsync(BatonClient client, ParseResult parse, string service, CancellationToken ct)
    {
        var result = await client.SendAsync(HttpMethod.Delete, PathOf(service), BatonJson.Default.RemoveResponse, ct);
        if (!result.Ok) return Output.Fail(result.ExitCode, result.Error!);
        Output.Line(result.Value!.Message);
        return ExitCodes.Success;
    }
}
