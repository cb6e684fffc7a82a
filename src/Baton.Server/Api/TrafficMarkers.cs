using System.Globalization;
using System.Text.RegularExpressions;
using Baton.Contracts;
using Baton.Deploy.Store;

namespace Baton.Server.Api;

/// <summary>
/// The chart's markers, read from the deploy history the deployer already writes: each deployment's
/// start, its switch, a rollback (a candidate retired, a switch back after the watch, or a
/// <c>baton rollback</c>'s switch), each canary step and the watch with the numbers they were judged on.
/// </summary>
internal static partial class TrafficMarkers
{
    public static List<TrafficMarker> From(IEnumerable<DeploymentRecord> history, DateTimeOffset since)
    {
        var markers = new List<TrafficMarker>();
        foreach (var d in history)
        {
            if (d.Kind is Kinds.HostDrain or Kinds.HostResume) continue;
            var release = $"{d.Release} ({Tag(d.Image)})";
            bool rollback = d.Kind == "rollback";
            markers.Add(new TrafficMarker(d.StartedAt, "deploy", rollback ? $"rollback to {release} started" : $"{d.Kind} {release} started", d.Id));
            foreach (var step in d.Steps)
            {
                var end = step.FinishedAt ?? step.StartedAt;
                switch (step.Name)
                {
                    case "switch" when step.Outcome == "ok":
                        markers.Add(new TrafficMarker(end, rollback ? "rollback" : "switch", $"{(rollback ? "rolled back" : "switched")} to {d.Color ?? "the new pool"}: {release}", d.Id));
                        break;
                    case "rollback":
                        markers.Add(new TrafficMarker(step.StartedAt, "rollback", $"rollback: {release} taken out", d.Id));
                        break;
                    case "watch":
                        markers.Add(new TrafficMarker(step.StartedAt, "watch", $"watch of {release}: {Decision(step)}", d.Id, Judge(step)));
                        if (step.Outcome == "failed")
                            markers.Add(new TrafficMarker(end, "rollback", $"switched back: {release} failed its watch", d.Id));
                        break;
                    case var name when name.StartsWith("canary ", StringComparison.Ordinal):
                        markers.Add(new TrafficMarker(step.StartedAt, "canary", $"{name} of {release}: {Decision(step)}", d.Id, Judge(step)));
                        break;
                }
            }
        }
        return markers.Where(m => m.At >= since).OrderBy(m => m.At).ToList();
    }

    private static string Tag(string image) => image.LastIndexOf(':') is var i and > 0 && image.LastIndexOf('/') < i ? image[(i + 1)..] : image;

    private static string Decision(StepRecord step) => step.Outcome switch
    {
        "ok" => "passed",
        "failed" => "worse: rolled back",
        "running" => "judging",
        var other => other,
    };

    private static TrafficJudgement Judge(StepRecord step)
    {
        JudgedNumbers? candidate = null, live = null;
        if (step.Detail is { } detail)
        {
            foreach (Match m in Side().Matches(detail))
            {
                var numbers = Numbers(m);
                if (m.Groups["side"].Value is "candidate" or "new release") candidate = numbers;
                else live = numbers;
            }
        }
        return new TrafficJudgement(step.Outcome, step.StartedAt, step.FinishedAt, candidate, live);
    }

    /// <summary>The numbers of one side as <c>PoolNumbers.ToString</c> writes them (invariant culture).</summary>
    private static JudgedNumbers Numbers(Match m)
    {
        long errors = long.Parse(m.Groups["errors"].Value, NumberStyles.AllowThousands, CultureInfo.InvariantCulture);
        long requests = long.Parse(m.Groups["requests"].Value, NumberStyles.AllowThousands, CultureInfo.InvariantCulture);
        double? p95 = m.Groups["p95"].Success ? double.Parse(m.Groups["p95"].Value, NumberStyles.AllowThousands, CultureInfo.InvariantCulture) : null;
        return new JudgedNumbers(requests, errors, requests == 0 ? 0 : Math.Round((double)errors / requests, 6), p95);
    }

    [GeneratedRegex(@"(?<side>candidate|live|new release|old release before the switch) [0-9.]+% errors \((?<errors>[0-9,]+) of (?<requests>[0-9,]+)\), p95 (?:(?<p95>[0-9,]+) ms|n/a)")]
    private static partial Regex Side();
}
