using System.CommandLine;

namespace Baton.Cli.Commands;

/// <summary><c>baton abort SERVICE</c>: discards a held deployment.</summary>
internal sealed class AbortCommand : Command
{
    private readonly Argument<string> _service = new("service") { Description = "Service with a held deployment" };

    public AbortCommand() : base("abort", "Discard the held release; the live one is not touched")
    {
        Arguments.Add(_service);
        SetAction(RunAsync);
    }

    private async Task<int> RunAsync(ParseResult parse, CancellationToken ct)
    {
        using var client = ClientOptions.Connect(parse);
        if (client is null) return ExitCodes.BadInput;
        var service = parse.GetValue(_service)!;
        using var request = new HttpRequestMessage(HttpMethod.Post, $"api/services/{Uri.EscapeDataString(service)}/abort");
        return await ProgressReader.FollowAsync(client, request, null, ct);
    }
}
