namespace Baton.Deploy;

/// <summary>Reports one line of a deployment's progress: kind is <c>step</c>, <c>info</c>, <c>done</c> or <c>failed</c>.</summary>
public delegate void DeployProgress(string kind, string message);

/// <summary>How a deployment command ended; <see cref="Message"/> is what the CLI, the API and the history show.</summary>
public sealed record DeployOutcome(bool Ok, string Message, long? DeploymentId = null)
{
    public static DeployOutcome Fail(string message, long? id = null) => new(false, message, id);
}
