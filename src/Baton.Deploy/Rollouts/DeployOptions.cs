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
    /// <summary>The watch window after the switch for this deploy; null takes the service file's <c>watch</c>.</summary>
    public TimeSpan? Watch { get; init; }
    /// <summary>The image may come from another repository than the service file's <c>image</c>.</summary>
    public bool OtherRepository { get; init; }

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
        if (request.Targets is not null && TargetsRefusal(request) is { } targetsError)
        {
            error = targetsError;
            return null;
        }
        if (request.Image is not null && ImageRefusal(request) is { } imageError)
        {
            error = imageError;
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
        TimeSpan? watch = null;
        if (request.Watch is not null)
        {
            if (!Durations.TryParse(request.Watch, out var w) || w > TimeSpan.FromHours(1))
            {
                error = $"Watch '{request.Watch}' must be a duration from 0s (no watch) to 1h, such as 30s.";
                return null;
            }
            if (request.Hold)
            {
                error = "--watch cannot be given with --hold: the watch runs at `baton promote`, with the service file's watch (set watch: in baton.yml and apply it).";
                return null;
            }
            if (strategy == Strategy.Rolling)
            {
                error = "--watch is for blue-green and canary deploys: a rolling deploy watches each batch for --step-time (rolling.batch_time in baton.yml).";
                return null;
            }
            watch = w;
        }
        return new DeployOptions
        {
            Strategy = strategy,
            Hold = request.Hold,
            Steps = request.Steps,
            StepTime = stepTime,
            MaxSurge = request.MaxSurge,
            MaxUnavailable = request.MaxUnavailable,
            Watch = watch,
            OtherRepository = request.OtherRepository,
        };
    }

    /// <summary>A deploy of targets started elsewhere takes its settings from the request; the image deploy's options mean nothing to it.</summary>
    private static string? TargetsRefusal(DeployRequest r)
    {
        var given = new List<string>();
        if (r.Hold) given.Add("--hold");
        if (r.Strategy is not null) given.Add("--strategy");
        if (r.Steps is not null) given.Add("--steps");
        if (r.StepTime is not null) given.Add("--step-time");
        if (r.MaxSurge is not null) given.Add("--max-surge");
        if (r.MaxUnavailable is not null) given.Add("--max-unavailable");
        if (r.Watch is not null) given.Add("--watch");
        if (r.OtherRepository) given.Add("--other-repository");
        return given.Count == 0 ? null
            : $"{string.Join(", ", given)} {(given.Count == 1 ? "is" : "are")} for --image deploys of an applied service; --target deploys switch blue-green at once after the health checks.";
    }

    /// <summary>An image deploy takes its routes, health checks and timeouts from the applied baton.yml: a flag that would set them is refused, naming the field.</summary>
    private static string? ImageRefusal(DeployRequest r)
    {
        var fields = new List<(string Flag, string Field)>();
        if (r.Hosts is not null) fields.Add(("--host", "hosts"));
        if (r.Path is not null) fields.Add(("--path", "path"));
        if (r.Health?.Path is not null) fields.Add(("--health-path", "health.path"));
        if (r.Health?.Interval is not null) fields.Add(("--health-interval", "health.interval"));
        if (r.Health?.Timeout is not null) fields.Add(("--health-timeout", "health.timeout"));
        if (r.Health?.Passes is not null) fields.Add(("--health-passes", "health.passes"));
        if (r.Health?.Host is not null) fields.Add(("--health-host", "health.host"));
        if (r.DeployTimeout is not null) fields.Add(("--deploy-timeout", "deploy_timeout"));
        if (r.DrainTimeout is not null) fields.Add(("--drain-timeout", "drain_timeout"));
        return fields.Count == 0 ? null
            : $"{string.Join(", ", fields.Select(f => f.Flag))} {(fields.Count == 1 ? "is" : "are")} for --target deploys; an --image deploy takes {string.Join(", ", fields.Select(f => f.Field))} from the service's baton.yml: change {(fields.Count == 1 ? "it" : "them")} there and `baton apply -f baton.yml`.";
    }
}
