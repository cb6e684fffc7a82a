using System.CommandLine;
using System.Text.Json;
using Baton.Contracts;

namespace Baton.Cli.Commands;

/// <summary><c>baton history SERVICE [--json]</c>.</summary>
internal sealed class HistoryCommand : ServiceCommand
{
    private readonly Option<int> _limit = new("--limit") { Description = "How many deployments, newest first", DefaultValueFactory = _ => 20 };

    public HistoryCommand() : base("history", "Show a service's deployments: image, colour, who, when, steps, outcome")
    {
        Options.Add(_limit);
        Options.Add(ClientOptions.Json);
    }

    protected override async Task<int> RunAsync(BatonClient client, ParseResult parse, string service, CancellationToken ct)
    {
        var result = await client.GetAsync(PathOf(service, $"/history?limit={parse.GetValue(_limit)}"), BatonJson.Default.HistoryResponse, ct);
        if (!result.Ok) return Output.Fail(result.ExitCode, result.Error!);
        if (parse.GetValue(ClientOptions.Json))
        {
            Output.Line(JsonSerializer.Serialize(result.Value!, BatonJson.Indented.HistoryResponse));
            return ExitCodes.Success;
        }
        var rows = result.Value!.Deployments;
        if (rows.Count == 0)
        {
            Output.Line($"{service} has no deployments yet.");
            return ExitCodes.Success;
        }
        foreach (var d in rows)
        {
            var took = d.FinishedAt is { } f ? $"{(f - d.StartedAt).TotalSeconds:0.0} s" : "…";
            Output.Line($"#{d.Id,-4} {d.StartedAt.ToLocalTime():yyyy-MM-dd HH:mm:ss}  {d.Outcome,-11} {d.Kind,-8} {d.Release,-5} {d.Color ?? "-",-6} {d.Image}  by {d.Author}  ({took})");
            if (d.Digest is not null) Output.Line($"      digest {d.Digest}");
            if (d.Steps.Count > 0)
                Output.Line("      " + string.Join("  ", d.Steps.Select(s => $"{s.Name} {(s.Seconds is { } x ? $"{x:0.0}s" : "…")}{(s.Outcome == "failed" ? " ✗" : "")}")));
            if (d.Reason is not null)
                foreach (var line in d.Reason.Split('\n')) Output.Line($"      {line}");
        }
        return ExitCodes.Success;
    }
}
