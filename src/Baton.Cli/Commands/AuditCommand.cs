using System.CommandLine;
using System.Text.Json;
using Baton.Contracts;

namespace Baton.Cli.Commands;

/// <summary><c>baton audit [--service S] [--limit N] [--json]</c>: who did what, when, and how it ended.</summary>
internal sealed class AuditCommand : Command
{
    private readonly Option<string?> _service = new("--service") { Description = "Only entries about this service" };
    private readonly Option<int> _limit = new("--limit") { Description = "How many entries, newest first (1–1000)", DefaultValueFactory = _ => 50 };

    public AuditCommand() : base("audit", "Show the audit log: deploys, switches, rollbacks, sign-ins, user and token changes")
    {
        Options.Add(_service);
        Options.Add(_limit);
        Options.Add(ClientOptions.Json);
        SetAction(RunAsync);
    }

    private async Task<int> RunAsync(ParseResult parse, CancellationToken ct)
    {
        var limit = parse.GetValue(_limit);
        if (limit is < 1 or > 1000) return Output.Fail(ExitCodes.BadInput, "--limit must be from 1 to 1000.");
        using var client = ClientOptions.Connect(parse);
        if (client is null) return ExitCodes.BadInput;
        var path = $"api/audit?limit={limit}";
        if (parse.GetValue(_service) is { Length: > 0 } service) path += $"&service={Uri.EscapeDataString(service)}";
        var result = await client.GetAsync(path, BatonJson.Default.AuditResponse, ct);
        if (!result.Ok) return Output.Fail(result.ExitCode, result.Error!);
        if (parse.GetValue(ClientOptions.Json))
        {
            Output.Line(JsonSerializer.Serialize(result.Value!, BatonJson.Indented.AuditResponse));
            return ExitCodes.Success;
        }
        var entries = result.Value!.Entries;
        if (entries.Count == 0)
        {
            Output.Line("The audit log has no entries yet.");
            return ExitCodes.Success;
        }
        foreach (var e in entries)
            Output.Line($"#{e.Id,-5} {e.At.ToLocalTime():yyyy-MM-dd HH:mm:ss}  {e.Actor,-12} {e.Action,-13} {e.Target ?? "-",-16} {e.Outcome,-9} {e.Detail}".TrimEnd());
        return ExitCodes.Success;
    }
}
