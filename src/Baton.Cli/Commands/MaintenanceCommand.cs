using System.CommandLine;
using Baton.Contracts;

namespace Baton.Cli.Commands;

/// <summary><c>baton maintenance SERVICE on|off [--message …]</c>.</summary>
internal sealed class MaintenanceCommand : ServiceCommand
{
    private readonly Argument<string> _mode = new("mode") { Description = "on or off" };
    private readonly Option<string?> _message = new("--message") { Description = "Text of the 503 maintenance page" };

    public MaintenanceCommand() : base("maintenance", "Answer every request of a service with a 503 maintenance page, or stop doing so")
    {
        _mode.AcceptOnlyFromAmong("on", "off");
        Arguments.Add(_mode);
        Options.Add(_message);
    }

    protected override async Task<int> RunAsync(BatonClient client, ParseResult parse, string service, CancellationToken ct)
    {
        bool on = parse.GetValue(_mode) == "on";
        var result = await client.PostAsync<MaintenanceRequest, object>(PathOf(service, "/maintenance"), new MaintenanceRequest(on, parse.GetValue(_message)), BatonJson.Default.MaintenanceRequest, null, ct);
        if (!result.Ok) return Output.Fail(result.ExitCode, result.Error!);
        Output.Line(on ? $"{service} is in maintenance: requests get the 503 page." : $"{service} is out of maintenance.");
        return ExitCodes.Success;
    }
}
