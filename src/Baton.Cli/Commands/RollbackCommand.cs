using System.CommandLine;
using Baton.Contracts;

namespace Baton.Cli.Commands;

/// <summary><c>baton rollback SERVICE [--to RELEASE]</c>.</summary>
internal sealed class RollbackCommand : Command
{
    private readonly Argument<string> _service = new("service") { Description = "Service to roll back" };
    private readonly Option<string?> _to = new("--to") { Description = "Release to go back to, e.g. r3 (default: the one before the live one)" };

    public RollbackCommand() : base("rollback", "Go back to the previous release (instant while its containers are kept)")
    {
        Arguments.Add(_service);
        Options.Add(_to);
        SetAction(RunAsync);
    }

    private async Task<int> RunAsync(ParseResult parse, CancellationToken ct)
    {
        using var client = ClientOptions.Connect(parse);
        if (client is null) return ExitCodes.BadInput;
        var service = parse.GetValue(_service)!;
        using var request = ProgressReader.Post($"api/services/{Uri.EscapeDataString(service)}/rollback", new RollbackRequest(parse.GetValue(_to)), BatonJson.Default.RollbackRequest);
        return await ProgressReader.FollowAsync(client, request, $"Rolling back {service}", ct);
    }
}
