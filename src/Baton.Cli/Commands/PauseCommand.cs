using System.CommandLine;
using Baton.Contracts;

namespace Baton.Cli.Commands;

/// <summary><c>baton pause SERVICE [--max 30s]</c>.</summary>
internal sealed class PauseCommand : ServiceCommand
{
    private readonly Option<string?> _max = new("--max") { Description = "Longest time a request is held before it is answered 503 (default 30s)" };

    public PauseCommand() : base("pause", "Hold new requests of a service (without failing them) until resume", "Service to pause") =>
        Options.Add(_max);

    protected override async Task<int> RunAsync(BatonClient client, ParseResult parse, string service, CancellationToken ct)
    {
        var result = await client.PostAsync<PauseRequest, object>(PathOf(service, "/pause"), new PauseRequest(parse.GetValue(_max)), BatonJson.Default.PauseRequest, null, ct);
        if (!result.Ok) return Output.Fail(result.ExitCode, result.Error!);
        Output.Line($"Paused {service}: new requests are held until `baton resume {service}`.");
        return ExitCodes.Success;
    }
}
