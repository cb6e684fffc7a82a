using System.CommandLine;

namespace Baton.Cli.Commands;

/// <summary><c>baton abort SERVICE</c>: discards a held deployment.</summary>
internal sealed class AbortCommand() : ServiceCommand("abort", "Discard the held release; the live one is not touched", "Service with a held deployment")
{
    protected override async Task<int> RunAsync(BatonClient client, ParseResult parse, string service, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, PathOf(service, "/abort"));
        return await ProgressReader.FollowAsync(client, request, null, ct);
    }
}
