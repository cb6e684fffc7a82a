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

/// <summary>A service's releases, newest first; the ids are what <c>baton rollback --to</c> takes.</summary>
public sealed record ReleasesResponse(string Service, IReadOnlyList<ReleaseView> Releases);

/// <summary>
/// One release that went live: <paramref name="State"/> is <c>live</c>, <c>kept</c> (its stopped
/// containers are still there, so a rollback to it is instant) or <c>gone</c> (only in the history;
/// a rollback starts it anew from its image).
/// </summary>
public sealed record ReleaseView(string Release, string Image, string? Digest, string State, string? Color, DateTimeOffset DeployedAt, string DeployedBy);
