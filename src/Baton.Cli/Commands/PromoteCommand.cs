using System.CommandLine;

namespace Baton.Cli.Commands;

/// <summary><c>baton promote SERVICE</c>: switches a held deployment in.</summary>
internal sealed class PromoteCommand : Command
{
    private readonly Argument<string> _service = new("service") { Description = "Service with a held deployment" };

    public PromoteCommand() : base("promote", "Switch traffic to the held release, drain and stop the old one")
    {
        Arguments.Add(_service);
        SetAction(RunAsync);
    }

    private async Task<int> RunAsync(ParseResult parse, CancellationToken ct)
    {
        using var client = ClientOptions.Connect(parse);
        if (client is null) return ExitCodes.BadInput;
        var service = parse.GetValue(_service)!;
        using var request = new HttpRequestMessage(HttpMethod.Post, $"api/services/{Uri.EscapeDataString(service)}/promote");
        return await ProgressReader.FollowAsync(client, request, $"Promoting {service}", ct);
    }
}
