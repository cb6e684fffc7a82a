namespace Baton.Deploy;

/// <summary>Reports one line of a deployment's progress: kind is <c>step</c>, <c>info</c>, <c>done</c>, <c>failed</c> or <c>stopped</c> (Baton is stopping).</summary>
public delegate void DeployProgress(string kind, string message);

/// <summary>Why a deployment command did not succeed, for the API's status code and the CLI's exit code.</summary>
public enum DeployFailure
{
    None,
    /// <summary>The request itself was wrong (image reference, release name); nothing changed.</summary>
    BadInput,
    /// <summary>No such service (or no applied baton.yml).</summary>
    NotFound,
    /// <summary>Refused in the current state: another deployment holds the lock, nothing is held, …</summary>
    Conflict,
    /// <summary>It ran and failed; the live release is untouched.</summary>
    Failed,
}

/// <summary>How a deployment command ended; <see cref="Message"/> is what the CLI, the API and the history show.</summary>
public sealed record DeployOutcome(bool Ok, string Message, long? DeploymentId = null, DeployFailure Failure = DeployFailure.None)
{
    public static DeployOutcome Fail(string message, long? id = null, DeployFailure failure = DeployFailure.Failed) => new(false, message, id, failure);
}
