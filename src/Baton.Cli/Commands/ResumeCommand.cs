using System.CommandLine;

namespace Baton.Cli.Commands;

/// <summary><c>baton resume SERVICE</c>.</summary>
internal sealed class ResumeCommand : Command
{
    private readonly Argument<string> _service = new("service") { Description = "Service to resume" };

    public ResumeCommand() : base("resume", "Release the requests held by pause and take new ones again")
    {
        Arguments.Add(_service);
        SetAction(RunAsync);
    }

    private async Task<int> RunAsync(ParseResult parse, CancellationToken ct)
    {
        using var client = ClientOptions.Connect(parse);
        if (client is null) return ExitCodes.BadInput;
        var service = parse.GetValue(_service)!;
        var result = await client.SendAsync<object>(HttpMethod.Post, $"api/services/{Uri.EscapeDataString(service)}/resume", null, ct);
        if (!result.Ok) return Output.Fail(result.ExitCode, result.Error!);
        Output.Line($"Resumed {service}.");
        return ExitCodes.Success;
    }
}
