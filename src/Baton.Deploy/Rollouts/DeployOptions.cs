using Baton.Contracts;
using Baton.Deploy.ServiceFile;

namespace Baton.Deploy.Rollouts;

/// <summary>How a release replaces the live one.</summary>
public enum Strategy
{
    /// <summary>The new release starts beside the old one and takes all traffic at once.</summary>
    BlueGreen,
    /// <summary>A sticky share of clients moves in steps, judged at each; worse numbers roll it back.</summary>
    Canary,
    /// <summary>The replicas are replaced a batch at a time, each batch health-gated and judged.</summary>
    Rolling,
}

/// <summary>A deploy's choices beyond the image, validated; null members take the service file's values.</summary>
public sealed record DeployOptions
{
    public Strategy Strategy { get; init; } = Strategy.BlueGreen;
    public bool Hold { get; init; }
    public IReadOnlyList<int>? Steps { get; init; }
    public TimeSpan? StepTime { get; init; }
    public int? MaxSurge { get; init; }
    public int? MaxUnavailable { get; init; }

    public static string Name(Strategy s) => s switch
    {
        Strategy.Canary => "canary",
        Strategy.Rolling => "rolling",
        _ => "blue-green",
    };

    /// <summary>Reads the strategy fields of a deploy request; the error is one sentence.</summary>
    public static DeployOptions? TryCreate(DeployRequest request, out string error)
    {
        error = "";
        var strategy = Strategy.BlueGreen;
        switch (request.Strategy?.Trim().ToLowerInvariant())
        {
            case null or "" or "blue-green" or "bluegreen":
                break;
            case "canary":
                strategy = Strategy.Canary;
                break;
            case "rolling":
                strategy = Strategy.Rolling;
                break;
            default:
                error = $"Unknown strategy '{request.Strategy}'; use blue-green, canary or rolling.";
                return null;
        }
        if (request.Steps is not null)
        {
            if (strategy != Strategy.Canary)
            {
                error = "Steps are for --strategy canary.";
                return null;
            }
            if (ServiceFileParser.CanaryStepsError(request.Steps) is { } stepsError)
            {
                error = $"Canary steps: {stepsError}.";
                return null;
            }
        }
        TimeSpan? stepTime = null;
        if (request.StepTime is not null)
        {
            if (strategy == Strategy.BlueGreen)
            {
                error = "A step time is for --strategy canary or rolling.";
                return null;
            }
            if (!Durations.TryParse(request.StepTime, out var t) || t < TimeSpan.FromSeconds(1) || t > TimeSpan.FromHours(24))
            {
                error = $"Step time '{request.StepTime}' must be a duration from 1s to 24h, such as 30s or 2m.";
                return null;
            }
            stepTime = t;
        }
        if ((request.MaxSurge is not null || request.MaxUnavailable is not null) && strategy != Strategy.Rolling)
        {
            error = "Max surge and max unavailable are for --strategy rolling.";
            return null;
        }
        if (request.MaxSurge is < 0 or > 64 || request.MaxUnavailable is < 0 or > 64)
        {
            error = "Max surge and max unavailable must be from 0 to 64.";
            return null;
        }
        if (request.Hold && strategy != Strategy.BlueGreen)
        {
            error = "--hold is for blue-green deploys; a canary waits at a share with `baton canary SERVICE --percent N`.";
            return null;
        }
        return new DeployOptions
        {
            Strategy = strategy,
            Hold = request.Hold,
            Steps = request.Steps,
            StepTime = stepTime,
            MaxSurge = request.MaxSurge,
            MaxUnavailable = request.MaxUnavailable,
        };
    }
}
