using System.Globalization;
using Baton.Deploy.ServiceFile;

namespace Baton.Deploy.Rollouts;

/// <summary>Requests, errors (5xx answers and failed connections) and p95 latency the router counted for some targets.</summary>
public sealed record PoolNumbers(long Requests, long Errors, double? P95Ms)
{
    public static readonly PoolNumbers None = new(0, 0, null);

    public double ErrorRate => Requests == 0 ? 0 : (double)Errors / Requests;

    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"{ErrorRate:0.0%} errors ({Errors:N0} of {Requests:N0}), p95 {(P95Ms is { } p ? $"{p:0} ms" : "n/a")}");
}

/// <summary>The judgement of a candidate against the live release.</summary>
/// <param name="Worse">The candidate errs or slows beyond the service's thresholds: roll it back.</param>
/// <param name="Judged">The candidate had enough requests to be judged at all.</param>
/// <param name="Reason">When worse, which threshold it crossed, with the numbers.</param>
/// <param name="Numbers">Both sides' numbers, for the history.</param>
/// <param name="OnLatency">Worse on latency only (errors are fine).</param>
public sealed record Verdict(bool Worse, bool Judged, string? Reason, string Numbers, bool OnLatency = false)
{
    /// <summary>
    /// A fresh release's first requests are slower (cold caches, JIT): a latency verdict must hold
    /// this long, judgement after judgement, before it rolls back. Errors count at once.
    /// </summary>
    public static readonly TimeSpan LatencyHold = TimeSpan.FromSeconds(3);
}

/// <summary>
/// Compares a candidate with the live release on the router's own numbers over the same seconds:
/// its error rate may exceed the live one by <see cref="CanarySpec.MaxErrorRate"/>, and its p95
/// latency may not exceed the live one both by <see cref="CanarySpec.MaxP95Increase"/> and by the
/// factor <see cref="CanarySpec.MaxP95Ratio"/>. Nothing is judged before the candidate has served
/// <see cref="CanarySpec.MinRequests"/> requests.
/// </summary>
public static class CanaryJudge
{
    public static Verdict Judge(PoolNumbers candidate, PoolNumbers live, CanarySpec spec)
    {
        var numbers = $"candidate {candidate}; live {live}";
        var limit = live.ErrorRate + spec.MaxErrorRate;
        if (candidate.Requests < spec.MinRequests)
        {
            // Before min_requests, only a certainty: errors already so many that the rate at
            // min_requests would be above the limit even if every request until then succeeded.
            if (candidate.Errors > limit * spec.MinRequests)
            {
                return new Verdict(true, true, string.Create(CultureInfo.InvariantCulture,
                    $"{candidate.Errors:N0} errors in its first {candidate.Requests:N0} requests already put its error rate above the live release's {live.ErrorRate:0.0%} + {spec.MaxErrorRate:0.0%} over {spec.MinRequests:N0} requests"), numbers);
            }
            return new Verdict(false, false, null, numbers);
        }

        if (candidate.ErrorRate > limit)
        {
            return new Verdict(true, true, string.Create(CultureInfo.InvariantCulture,
                $"error rate {candidate.ErrorRate:0.0%} ({candidate.Errors:N0} of {candidate.Requests:N0} requests) is above the live release's {live.ErrorRate:0.0%} + {spec.MaxErrorRate:0.0%}"), numbers);
        }
        // Latency needs samples on both sides; failed connections have none.
        if (candidate.P95Ms is { } c && live.P95Ms is { } l && live.Requests > 0)
        {
            var increase = spec.MaxP95Increase.TotalMilliseconds;
            if (c > l + increase && c > l * spec.MaxP95Ratio)
            {
                return new Verdict(true, true, string.Create(CultureInfo.InvariantCulture,
                    $"p95 latency {c:0} ms is above the live release's {l:0} ms by more than {increase:0} ms and {spec.MaxP95Ratio:0.##}×"), numbers, OnLatency: true);
            }
        }
        return new Verdict(false, true, null, numbers);
    }
}
