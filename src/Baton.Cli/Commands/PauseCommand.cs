using System.CommandLine;
using Baton.Contracts;

namespace Baton.Cli.Commands;

/// <summary><c>baton pause SERVICE [--max 30s]</c>.</summary>
internal sealed class PauseCommand : Command
{
    private readonly Argument<string> _service = new("service") { Description = "Service to pause" };
    private readonly Option<string?> _max = new("--max") { Description = "Longest time a request is held before it is answered 503 (default 30s)" };

    public PauseCommand() : base("pause", "Hold new requests of a service (without failing them) until resume")
    {
        Arguments.Add(_service);
        Options.Add(_max);
        SetAction(RunAsync);
    }

    private async Task<int> RunAsync(ParseResult parse, CancellationToken ct)
    {
        using var client = ClientOptions.Connect(parse);
        if (client is null) return ExitCodes.BadInput;
        var service = parse.GetValue(_service)!;
        var result = await client.PostAsync<PauseRequest, object>($"api/services/{Uri.EscapeDataString(service)}/pause", new PauseRequest(parse.GetValue(_max)), BatonJson.Default.PauseRequest, null, ct);
        if (!result.Ok) return Output.Fail(result.ExitCode, result.Error!);
        Output.Line($"Paused {service}: new requests are held until `baton resume {service}`.");
        return ExitCodes.Success;
    }
}
