namespace Baton.Contracts;

public sealed record HistoryResponse(string Service, IReadOnlyList<DeploymentView> Deployments);

/// <summary>One deployment: what, who, when, each step's duration, and how it ended.</summary>
public sealed record DeploymentView(
    long Id,
    string Kind,
    string Image,
    string? Digest,
    string? Color,
    string Release,
    string Author,
    DateTimeOffset StartedAt,
    DateTimeOffset? FinishedAt,
    string Outcome,
    string? Reason,
    IReadOnlyList<StepView> Steps);

public sealed record StepView(string Name, double? Seconds, string Outcome, string? Detail);

/// <summary>An applied service definition as the API shows it: secret values masked.</summary>
public sealed record DefinitionView(string Service, string Image, IReadOnlyList<string> Hosts, string Path, int Replicas, IReadOnlyDictionary<string, string> Env, IReadOnlyList<string> Workers);
