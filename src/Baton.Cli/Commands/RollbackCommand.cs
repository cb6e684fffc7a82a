using System.CommandLine;
using Baton.Contracts;

namespace Baton.Cli.Commands;

/// <summary><c>baton rollback SERVICE [--to RELEASE]</c>.</summary>
internal sealed class RollbackCommand : ServiceCommand
{
    private readonly Option<string?> _to = new("--to") { Description = "Release to go back to, e.g. r3 (default: the one before the live one)" };

    public RollbackCommand() : base("rollback", "Go back to the previous release (instant while its containers are kept)", "Service to roll back") =>
        Options.Add(_to);

    protected override async Task<int> RunAsync(BatonClient client, ParseResult parse, string service, CancellationToken ct)
    {
        using var request = ProgressReader.Post(PathOf(service, "/rollback"), new RollbackRequest(parse.GetValue(_to)), BatonJson.Default.RollbackRequest);
        return await ProgressReader.FollowAsync(client, request, $"Rolling back {service}", ct);
    }
}
