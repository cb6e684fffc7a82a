using System.CommandLine;

namespace Baton.Cli.Commands;

/// <summary><c>baton remove SERVICE</c>.</summary>
internal sealed class RemoveCommand : Command
{
    private readonly Argument<string> _service = new("service") { Description = "Service to remove" };

    public RemoveCommand() : base("remove", "Stop routing a service; requests in flight finish")
    {
        Arguments.Add(_service);
        SetAction(RunAsync);
    }

    private async Task<int> RunAsync(ParseResult parse, CancellationToken ct)
    {
        using var client = ClientOptions.Connect(parse);
        if (client is null) return ExitCodes.BadInput;
        var service = parse.GetValue(_service)!;
        var result = await client.SendAsync<object>(HttpMethod.Delete, $"api/services/{Uri.EscapeDataString(service)}", null, ct);
        if (!result.Ok) return Output.Fail(result.ExitCode, result.Error!);
        Output.Line($"Removed {service}; its targets drain in the background.");
        return ExitCodes.Success;
    }
}
