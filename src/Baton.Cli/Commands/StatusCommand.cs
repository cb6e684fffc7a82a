using System.CommandLine;
using System.Text.Json;
using Baton.Contracts;

namespace Baton.Cli.Commands;

/// <summary><c>baton status [SERVICE] [--json]</c>.</summary>
internal sealed class StatusCommand : Command
{
    private readonly Argument<string?> _service = new("service") { Description = "Only this service", Arity = ArgumentArity.ZeroOrOne };

    public StatusCommand() : base("status", "Show services, their pools and targets, with request counts")
    {
        Arguments.Add(_service);
        Options.Add(ClientOptions.Json);
        SetAction(RunAsync);
    }

    private async Task<int> RunAsync(ParseResult parse, CancellationToken ct)
    {
        using var client = ClientOptions.Connect(parse);
        if (client is null) return ExitCodes.BadInput;
        var name = parse.GetValue(_service);
        bool json = parse.GetValue(ClientOptions.Json);
        IReadOnlyList<ServiceStatus> services;
        if (name is null)
        {
            var all = await client.GetAsync("api/status", BatonJson.Default.StatusResponse, ct);
            if (!all.Ok) return Output.Fail(all.ExitCode, all.Error!);
            if (json)
            {
                Output.Line(JsonSerializer.Serialize(all.Value!, BatonJson.Indented.StatusResponse));
                return ExitCodes.Success;
            }
            services = all.Value!.Services;
        }
        else
        {
            var one = await client.GetAsync($"api/services/{Uri.EscapeDataString(name)}", BatonJson.Default.ServiceStatus, ct);
            if (!one.Ok) return Output.Fail(one.ExitCode, one.Error!);
            if (json)
            {
                Output.Line(JsonSerializer.Serialize(one.Value!, BatonJson.Indented.ServiceStatus));
                return ExitCodes.Success;
            }
            services = [one.Value!];
        }

        if (services.Count == 0) Output.Line("No services yet. Deploy one with: baton deploy SERVICE --target HOST:PORT");
        foreach (var s in services) Print(s);
        await PrintRoutersAsync(client, name, ct);
        return ExitCodes.Success;
    }

    /// <summary>With router hosts added, each router's own view (a switch lands on all of them or on none); nothing with the local router alone.</summary>
    private static async Task PrintRoutersAsync(BatonClient client, string? service, CancellationToken ct)
    {
        var routers = await client.GetAsync("api/routers", BatonJson.Default.RoutersResponse, ct);
        if (!routers.Ok || routers.Value!.Routers.Count < 2) return;
        Output.Line();
        Output.Line("Routers (each one's own view; a switch lands on all of them or on none):");
        RouterAdminCommands.Print(routers.Value.Routers
            .Select(r => service is null ? r : r with { Services = r.Services.Where(s => s.Service == service).ToList() }).ToList());
    }

    private static void Print(ServiceStatus s)
    {
        var flags = new List<string>();
        if (s.Active is null) flags.Add("not live yet");
        if (s.Paused) flags.Add($"PAUSED since {s.PausedSince:HH:mm:ss} (holds up to {s.PauseMax})");
        if (s.Maintenance) flags.Add("MAINTENANCE" + (string.IsNullOrEmpty(s.MaintenanceMessage) ? "" : $": {s.MaintenanceMessage}"));
        if (s.Degraded is { } d) flags.Add($"DEGRADED: {d.Reason}" + (d.RouterAnswers is { } ra ? $"; the router answered 503 {ra.S503}, 502 {ra.S502}, 504 {ra.S504} times" : ""));
        if (s.CanaryPercent is { } share) flags.Add($"CANARY {share.ToString("0.##", System.Globalization.CultureInfo.InvariantCulture)} % of clients on the candidate");
        var hosts = s.Hosts.Count == 0 ? "any host" : string.Join(", ", s.Hosts);
        Output.Line($"{s.Name}  {hosts}{(s.Path == "/" ? "" : " " + s.Path)}  health {s.HealthPath}  drain {s.DrainTimeout}{(s.TargetTimeout is null ? "" : "  timeout " + s.TargetTimeout)}{(flags.Count > 0 ? "  [" + string.Join("] [", flags) + "]" : "")}");
        if (s.Rollout is { } r)
        {
            var at = r.Step == 0 ? "starting" : $"{(r.Strategy == "rolling" ? "batch" : "step")} {r.Step}/{r.Steps}";
            var atShare = r.Percent is { } p ? $" at {p.ToString("0.##", System.Globalization.CultureInfo.InvariantCulture)} %" : "";
            var until = r.Paused ? " (paused by a manual share: promote or abort)" : r.StepEndsAt is { } e ? $", next at {e.ToLocalTime():HH:mm:ss}" : "";
            Output.Line($"  deployment #{r.Deployment} {r.Strategy} of {r.Image}: {at}{atShare}{until}; {r.Detail}");
        }
        if (s.RouterAnswers is { } a && a.S400 + a.S502 + a.S503 + a.S504 > 0)
            Output.Line($"  router answered  400 {a.S400}  502 {a.S502}  503 {a.S503}  504 {a.S504}");
        PrintPool("active", s.Active);
        PrintPool("candidate", s.Candidate);
    }

    private static void PrintPool(string label, PoolStatus? pool)
    {
        if (pool is null) return;
        if (pool.Name is not null) label = $"{label} ({pool.Name})";
        foreach (var t in pool.Targets)
        {
            var state = t.Draining ? "draining" : t.Health;
            Output.Line($"  {label,-17}  {t.Address,-22} {state,-9}  in flight {t.InFlight,-4}  requests {t.Requests,-8}  5xx {t.ByClass.S5xx,-6}  connect failures {t.ConnectFailures,-4}  last probe: {t.LastProbe ?? "-"}");
        }
        if (pool.StagingUrls is { Count: > 0 } urls) Output.Line($"  {"",-17}  staging: {string.Join(", ", urls)}");
        else if (pool.StagingHosts is { Count: > 0 } hosts) Output.Line($"  {"",-17}  staging hosts: {string.Join(", ", hosts)} (the router runs no staging listener)");
        if (pool.Window is { } w)
        {
            var p95 = w.P95Ms is { } ms ? ms.ToString("0.#", System.Globalization.CultureInfo.InvariantCulture) + " ms" : "-";
            var rate = (w.ErrorRate * 100).ToString("0.##", System.Globalization.CultureInfo.InvariantCulture);
            Output.Line($"  {"",-17}  last {w.Seconds} s: requests {w.Requests}  errors {w.Errors} ({rate} %)  p95 {p95}");
        }
    }
}
