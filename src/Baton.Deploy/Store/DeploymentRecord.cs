namespace Baton.Deploy.Store;

/// <summary>One deployment as the history shows it.</summary>
public sealed record DeploymentRecord(
    long Id,
    string Service,
    string Kind,
    string Image,
    string? Digest,
    string? Color,
    string Author,
    DateTimeOffset StartedAt,
    DateTimeOffset? FinishedAt,
    string Outcome,
    string? Reason,
    string Release,
    IReadOnlyList<StepRecord> Steps)
{
    // Release: the containers' baton.release label; r1, r2 … of the service for a deploy, the earlier release for a rollback.
}

public sealed record StepRecord(string Name, DateTimeOffset StartedAt, DateTimeOffset? FinishedAt, string Outcome, string? Detail);

/// <summary>Outcomes of a deployment, as stored.</summary>
public static class Outcomes
{
    public const string Running = "running";
    public const string Held = "held";
    public const string Succeeded = "succeeded";
    public const string Failed = "failed";
    public const string Aborted = "aborted";
    public const string RolledBack = "rolled-back";
    public const string Refused = "refused";
}

/// <summary>Kinds of deployment records that are no release of their own.</summary>
public static class Kinds
{
    /// <summary>A drained server's replicas left the live pool (<c>baton host drain</c>); the live release stays the same.</summary>
    public const string HostDrain = "host-drain";
    /// <summary>A drained server's replicas came back into the live pool (<c>baton host resume</c>).</summary>
    public const string HostResume = "host-resume";
    /// <summary>The live release started on the other colour's servers and switched to, so that a drained server holds only the idle colour.</summary>
    public const string Move = "move";
}

/// <summary>Who holds a service's deployment lock.</summary>
public sealed record LockHolder(string Service, long DeploymentId, string Holder, string Author, DateTimeOffset Since);
