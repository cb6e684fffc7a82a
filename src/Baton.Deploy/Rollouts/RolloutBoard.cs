using System.Collections.Concurrent;
using Baton.Contracts;
using Baton.Deploy.Store;

namespace Baton.Deploy.Rollouts;

/// <summary>What an operator can tell a running canary or rolling deployment.</summary>
public enum RolloutCommand
{
    /// <summary>Skip the remaining steps: the new release takes all traffic now.</summary>
    Promote,
    /// <summary>Roll the new release back now.</summary>
    Abort,
}

/// <summary>
/// The canary and rolling deployments running in this process: their progress for
/// <c>baton status</c>, and the way <c>baton promote</c> / <c>baton abort</c> reach them.
/// </summary>
public sealed class RolloutBoard
{
    private readonly ConcurrentDictionary<string, ActiveRollout> _running = new(StringComparer.Ordinal);

    public ActiveRollout Begin(string service, long deployment, Strategy strategy, string image, int steps)
    {
        var rollout = new ActiveRollout(service, deployment, strategy, image, steps);
        _running[service] = rollout;
        return rollout;
    }

    public void End(ActiveRollout rollout, DeployOutcome outcome)
    {
        _running.TryRemove(new KeyValuePair<string, ActiveRollout>(rollout.Service, rollout));
        rollout.Finish(outcome);
    }

    public ActiveRollout? Find(string service) => _running.GetValueOrDefault(service);

    /// <summary>
    /// Runs a canary or rolling deployment listed on the board (for status, promote and abort),
    /// and takes it off with its outcome however it ends.
    /// </summary>
    internal async Task<DeployOutcome> RunAsync(string service, long deployment, Strategy strategy, string image, int steps, Func<ActiveRollout, Task<DeployOutcome>> body)
    {
        var rollout = Begin(service, deployment, strategy, image, steps);
        DeployOutcome? outcome = null;
        try
        {
            outcome = await body(rollout).ConfigureAwait(false);
            return outcome;
        }
        finally
        {
            End(rollout, outcome ?? DeployOutcome.Fail($"The {DeployOptions.Name(strategy)} deploy stopped on an unexpected error.", deployment));
        }
    }

    /// <summary>Sends promote or abort to a running canary or rolling deployment and waits for its end.</summary>
    internal static async Task<DeployOutcome> CommandAsync(ActiveRollout rollout, RolloutCommand command, string author, DeployStore store, DeployProgress progress)
    {
        var verb = command == RolloutCommand.Promote ? "promote" : "abort";
        if (!rollout.Send(command, author))
            return DeployOutcome.Fail($"Deployment #{rollout.Deployment} of {rollout.Service} was already told to {(rollout.Command == RolloutCommand.Promote ? "promote" : "abort")} by {rollout.CommandBy}; it is finishing.", rollout.Deployment, DeployFailure.Conflict);
        progress("step", $"Told deployment #{rollout.Deployment} ({rollout.Status().Strategy}) to {verb}; waiting for it to finish");
        var outcome = await rollout.Finished.ConfigureAwait(false);
        // The deployment's own stream reports an abort as a failure; for the one who asked, it succeeded.
        bool asked = command == RolloutCommand.Abort ? store.GetDeployment(rollout.Deployment)?.Outcome == Outcomes.Aborted : outcome.Ok;
        progress(asked ? "done" : "failed", outcome.Message);
        return asked ? outcome with { Ok = true, Failure = DeployFailure.None } : outcome;
    }

    public RolloutStatus? Status(string service) => Find(service)?.Status();
}

/// <summary>One running canary or rolling deployment.</summary>
public sealed class ActiveRollout(string service, long deployment, Strategy strategy, string image, int steps)
{
    private readonly TaskCompletionSource _commanded = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource<DeployOutcome> _finished = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile RolloutStatus _status = new(deployment, DeployOptions.Name(strategy), image, 0, steps, null, null, false, "starting");
    private int _commandSet;

    public string Service { get; } = service;
    public long Deployment { get; } = deployment;

    /// <summary>Completes when an operator sends a command.</summary>
    public Task Commanded => _commanded.Task;
    public RolloutCommand? Command { get; private set; }
    public string? CommandBy { get; private set; }

    /// <summary>The deployment's outcome, once it ended.</summary>
    public Task<DeployOutcome> Finished => _finished.Task;

    public RolloutStatus Status() => _status;

    public void Report(int step, double? percent, DateTimeOffset? stepEndsAt, bool paused, string detail) =>
        _status = _status with { Step = step, Percent = percent, StepEndsAt = stepEndsAt, Paused = paused, Detail = detail };

    /// <summary>Sends a command; the first one wins.</summary>
    /// <returns>False when a command was sent already.</returns>
    public bool Send(RolloutCommand command, string by)
    {
        if (Interlocked.Exchange(ref _commandSet, 1) == 1) return false;
        Command = command;
        CommandBy = by;
        _commanded.TrySetResult();
        return true;
    }

    internal void Finish(DeployOutcome outcome) => _finished.TrySetResult(outcome);
}
