using System.CommandLine;
using System.Globalization;
using Baton.Contracts;

namespace Baton.Cli.Commands;

/// <summary><c>baton canary SERVICE --percent N</c>.</summary>
internal sealed class CanaryCommand : ServiceCommand
{
    private readonly Option<double> _percent = new("--percent") { Description = "Share of clients sent to the candidate pool, 0 to 100 (to 0.01); 0 sends everyone back to the active pool", Required = true };

    public CanaryCommand() : base("canary", "Send a share of clients, sticky per client, to the service's candidate pool", "Service whose candidate gets the share") =>
        Options.Add(_percent);

    protected override async Task<int> RunAsync(BatonClient client, ParseResult parse, string service, CancellationToken ct)
    {
        double percent = parse.GetValue(_percent);
        var result = await client.PostAsync<CanaryRequest, object>(PathOf(service, "/canary"), new CanaryRequest(percent), BatonJson.Default.CanaryRequest, null, ct);
        if (!result.Ok) return Output.Fail(result.ExitCode, result.Error!);
        var share = percent.ToString("0.##", CultureInfo.InvariantCulture);
        Output.Line(percent > 0
            ? $"{service}: {share} % of clients now go to the candidate pool; `baton status {service}` compares the two."
            : $"{service}: every client goes to the active pool again.");
        return ExitCodes.Success;
    }
}
