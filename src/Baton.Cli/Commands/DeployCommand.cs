using System.CommandLine;
using System.Text.Json;
using Baton.Contracts;

namespace Baton.Cli.Commands;

/// <summary><c>baton deploy SERVICE --target HOST:PORT …</c>: deploys endpoints something else started, with live progress.</summary>
internal sealed class DeployCommand : Command
{
    private readonly Argument<string> _service = new("service") { Description = "Service name (lower-case letters, digits, dashes)" };
    private readonly Option<string[]> _targets = new("--target") { Description = "A target HOST:PORT; repeat for several", Required = true, AllowMultipleArgumentsPerToken = false };
    private readonly Option<string[]> _hosts = new("--host") { Description = "Host to route (exact or *.example.com); repeat for several. Default: keep, or any host for a new service" };
    private readonly Option<string?> _path = new("--path") { Description = "Path prefix to route. Default: keep, or / for a new service" };
    private readonly Option<string?> _healthPath = new("--health-path") { Description = "Health check path (default /health)" };
    private readonly Option<string?> _healthInterval = new("--health-interval") { Description = "Time between health checks (default 1s)" };
    private readonly Option<int?> _healthPasses = new("--health-passes") { Description = "Passing checks needed before traffic (default 2)" };
    private readonly Option<string?> _deployTimeout = new("--deploy-timeout") { Description = "Time allowed to become healthy (default 60s)" };
    private readonly Option<string?> _drainTimeout = new("--drain-timeout") { Description = "Time in-flight requests get to finish on the old targets (default 30s)" };

    public DeployCommand() : base("deploy", "Deploy a new pool of targets: wait until healthy, switch, drain the old pool")
    {
        Arguments.Add(_service);
        Options.Add(_targets);
        Options.Add(_hosts);
        Options.Add(_path);
        Options.Add(_healthPath);
        Options.Add(_healthInterval);
        Options.Add(_healthPasses);
        Options.Add(_deployTimeout);
        Options.Add(_drainTimeout);
        SetAction(RunAsync);
    }

    private async Task<int> RunAsync(ParseResult parse, CancellationToken ct)
    {
        using var client = ClientOptions.Connect(parse);
        if (client is null) return ExitCodes.BadInput;
        var service = parse.GetValue(_service)!;
        var hosts = parse.GetValue(_hosts);
        var request = new DeployRequest
        {
            Targets = parse.GetValue(_targets) ?? [],
            Hosts = hosts is { Length: > 0 } ? hosts : null,
            Path = parse.GetValue(_path),
            Health = parse.GetValue(_healthPath) is null && parse.GetValue(_healthInterval) is null && parse.GetValue(_healthPasses) is null
                ? null
                : new HealthCheckSpec { Path = parse.GetValue(_healthPath), Interval = parse.GetValue(_healthInterval), Passes = parse.GetValue(_healthPasses) },
            DeployTimeout = parse.GetValue(_deployTimeout),
            DrainTimeout = parse.GetValue(_drainTimeout),
        };

        using var message = new HttpRequestMessage(HttpMethod.Post, $"api/services/{Uri.EscapeDataString(service)}/deploy")
        {
            Content = System.Net.Http.Json.JsonContent.Create(request, BatonJson.Default.DeployRequest),
        };
        var opened = await client.OpenStreamAsync(message, ct);
        if (!opened.Ok) return Output.Fail(opened.ExitCode, opened.Error!);

        Output.Line($"Deploying {service} to {string.Join(", ", request.Targets)}");
        using var response = opened.Value!;
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(ct));
        string? outcome = null;
        while (await reader.ReadLineAsync(ct) is { } line)
        {
            if (!line.StartsWith("data: ", StringComparison.Ordinal)) continue;
            var e = JsonSerializer.Deserialize(line.AsSpan(6), BatonJson.Default.DeployEvent);
            if (e is null) continue;
            switch (e.Kind)
            {
                case "done":
                    Output.Line($"  ✓ {e.Message}");
                    outcome = "done";
                    break;
                case "failed":
                    Console.Error.WriteLine($"  ✗ {e.Message}");
                    outcome = "failed";
                    break;
                default:
                    Output.Line($"  → {e.Message}");
                    break;
            }
        }
        return outcome switch
        {
            "done" => ExitCodes.Success,
            "failed" => ExitCodes.Failed,
            _ => Output.Fail(ExitCodes.Failed, "The server closed the progress stream before the deployment ended; `baton status` shows where it stands."),
        };
    }
}
