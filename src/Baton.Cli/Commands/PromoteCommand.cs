using System.CommandLine;

namespace Baton.Cli.Commands;

/// <summary><c>baton promote SERVICE</c>: switches a held deployment in.</summary>
internal sealed class PromoteCommand() : ServiceCommand("promote", "Switch traffic to the held release, drain and stop the old one", "Service with a held deployment")
{
    protected override async Task<int> RunAsync(BatonClient client, ParseResult parse, string service, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, PathOf(service, "/promote"));
        return await ProgressReader.FollowAsync(client, request, $"Promoting {service}", ct);
    }
}
