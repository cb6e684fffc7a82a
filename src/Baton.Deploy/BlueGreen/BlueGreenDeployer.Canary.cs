using System.Diagnostics;
using System.Globalization;
using Baton.Deploy.Rollouts;
using Baton.Deploy.Store;

namespace Baton.Deploy.BlueGreen;

public sealed partial class BlueGreenDeployer
{
    private static readonly TimeSpan JudgeEvery = TimeSpan.FromMilliseconds(250);

    private enum WatchEnd { Passed, Worse, Promote, Abort }

    /// <summary>
    /// A canary, once the candidate is healthy, migrated and smoke-tested: at each step the
    /// candidate gets a sticky share of clients and is judged against the live release every
    /// quarter second on the router's numbers over the step so far. Worse numbers roll it back at once;
    /// a step that passes moves to the next share; the last step (100) is the switch.
    /// </summary>
    private async Task<DeployOutcome> CanaryAsync(Run run, DeployOptions options, DeployProgress progress, CancellationToken ct)
    {
        if (router.Live(run.Service) is not { } live)
        {
            progress("info", $"{run.Service} has no live release to compare with: the first release takes all traffic at once");
            return await SwitchAsync(run, progress, ct);
        }
        var steps = options.Steps ?? run.Def.Canary.Steps;
        return await OnBoardAsync(run, Strategy.Canary, steps.Count,
            rollout => CanaryStepsAsync(run, rollout, steps, options.StepTime ?? run.Def.Canary.StepTime, live.Targets, progress, ct));
    }

    /// <summary>
    /// Runs a canary or rolling deployment listed on the board (for status, promote and abort),
    /// and takes it off with its outcome however it ends.
    /// </summary>
    private async Task<DeployOutcome> OnBoardAsync(Run run, Strategy strategy, int steps, Func<ActiveRollout, Task<DeployOutcome>> body)
    {
        var rollout = board.Begin(run.Service, run.Id, strategy, run.Image, steps);
        DeployOutcome? outcome = null;
        try
        {
            outcome = await body(rollout).ConfigureAwait(false);
            return outcome;
        }
        finally
        {
            board.End(rollout, outcome ?? DeployOutcome.Fail($"The {DeployOptions.Name(strategy)} deploy stopped on an unexpected error.", run.Id));
        }
    }

    private async Task<DeployOutcome> CanaryStepsAsync(Run run, ActiveRollout rollout, IReadOnlyList<int> steps, TimeSpan stepTime, IReadOnlyList<string> liveTargets, DeployProgress progress, CancellationToken ct)
    {
        var candidateTargets = run.Web.Select(w => w.Target!).ToList();
        var started = Stopwatch.StartNew();
        for (int i = 0; i < steps.Count && steps[i] < 100; i++)
        {
            int percent = steps[i];
            if (router.SetCanary(run.Service, percent) is { } refused)
                return await RollBackCandidateAsync(run, Outcomes.Failed, $"The canary share could not be set: {refused}", progress);
            progress("step", $"Canary step {i + 1}/{steps.Count}: {percent}% of clients on {run.Image}, judged for {Durations(stepTime)}");
            var step = store.BeginStep(run.Id, $"canary {percent}%");
            var clock = Stopwatch.StartNew();
            var (end, verdict) = await WatchAsync(run, rollout, i + 1, percent, stepTime, candidateTargets, liveTargets, progress, ct);
            switch (end)
            {
                case WatchEnd.Worse:
                    store.FinishStep(step, "failed", $"{verdict.Reason}; {verdict.Numbers}");
                    return await RollBackCandidateAsync(run, Outcomes.RolledBack,
                        $"Rolled back automatically at {percent}% after {clock.Elapsed.TotalSeconds:0} s of the step ({started.Elapsed.TotalSeconds:0} s into the canary): the candidate's {verdict.Reason}. Numbers over the step: {verdict.Numbers}. The live release kept serving.", progress);
                case WatchEnd.Abort:
                    store.FinishStep(step, "aborted", verdict.Numbers);
                    return await RollBackCandidateAsync(run, Outcomes.Aborted,
                        $"Aborted by {rollout.CommandBy} at {percent}%: {run.Color} ({run.Image}) was rolled back; the live release kept serving. Numbers over the step: {verdict.Numbers}.", progress);
                case WatchEnd.Promote:
                    store.FinishStep(step, "ok", $"promoted by {rollout.CommandBy}; {verdict.Numbers}");
                    progress("info", $"Promoted by {rollout.CommandBy} at {percent}%: switching now");
                    return await SwitchAsync(run, progress, ct);
                default:
                    var note = verdict.Judged ? verdict.Numbers : $"{verdict.Numbers} (not judged: fewer than {run.Def.Canary.MinRequests} requests reached the candidate)";
                    store.FinishStep(step, "ok", note);
                    progress(verdict.Judged ? "step" : "info", $"Canary at {percent}% passed after {clock.Elapsed.TotalSeconds:0} s: {note}");
                    break;
            }
        }
        rollout.Report(steps.Count, 100, null, false, "promoting");
        return await SwitchAsync(run, progress, ct);
    }

    /// <summary>
    /// Judges the candidate every quarter second until the step time is up, a judgement finds it worse,
    /// or an operator promotes or aborts. A share set by hand (<c>baton canary</c>) pauses the
    /// steps: the canary then waits at that share, still judged, for promote or abort.
    /// </summary>
    private async Task<(WatchEnd End, Verdict Last)> WatchAsync(Run run, ActiveRollout rollout, int stepNumber, double percent, TimeSpan stepTime,
        IReadOnlyCollection<string> candidate, IReadOnlyCollection<string> live, DeployProgress progress, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        var endsAt = DateTimeOffset.UtcNow + stepTime;
        bool paused = false;
        int strikes = 0;
        var verdict = new Verdict(false, false, null, "no requests yet");
        rollout.Report(stepNumber, percent, endsAt, paused, "watching");
        while (true)
        {
            await Task.WhenAny(Task.Delay(JudgeEvery, ct), rollout.Commanded).ConfigureAwait(false);
            ct.ThrowIfCancellationRequested();
            if (rollout.Command is { } command) return (command == RolloutCommand.Promote ? WatchEnd.Promote : WatchEnd.Abort, verdict);

            var share = router.CanaryPercent(run.Service);
            if (share != percent)
            {
                percent = share;
                if (!paused) progress("info", $"The share was set to {share.ToString(CultureInfo.InvariantCulture)}% by hand: the steps wait for `baton promote {run.Service}` or `baton abort {run.Service}` (judging goes on)");
                paused = true;
            }
            int seconds = (int)Math.Ceiling(clock.Elapsed.TotalSeconds);
            verdict = CanaryJudge.Judge(router.Numbers(run.Service, candidate, seconds), router.Numbers(run.Service, live, seconds), run.Def.Canary);
            rollout.Report(stepNumber, percent, paused ? null : endsAt, paused, verdict.Numbers);
            strikes = verdict.Worse ? strikes + 1 : 0;
            if (verdict.Worse && (!verdict.OnLatency || strikes * JudgeEvery >= Verdict.LatencyHold)) return (WatchEnd.Worse, verdict);
            if (!paused && clock.Elapsed >= stepTime) return (WatchEnd.Passed, verdict);
        }
    }

    /// <summary>
    /// Takes the candidate out of the router (its share goes to 0 with it), lets the requests it is
    /// serving finish, then stops and removes its containers; the live release never stopped serving.
    /// </summary>
    private async Task<DeployOutcome> RollBackCandidateAsync(Run run, string outcome, string reason, DeployProgress progress)
    {
        progress("info", outcome == Outcomes.Aborted ? "Rolling the candidate back" : $"Rolling back: {reason}");
        await StepAsync(run, "rollback", progress, async () =>
        {
            var drain = router.RetireCandidate(run.Service);
            run.Staged = false;
            await drain.WaitAsync(CancellationToken.None).ConfigureAwait(false);
            await _containers.StopAsync(run.Web, run.Def.StopTimeout, CancellationToken.None).ConfigureAwait(false);
            await _containers.RemoveAsync(run.Web, CancellationToken.None).ConfigureAwait(false);
            return null;
        }).ConfigureAwait(false);
        store.FinishDeployment(run.Id, outcome, reason);
        store.Unlock(run.Service, run.Id);
        LogFailed(logger, run.Id, run.Service, reason);
        progress("failed", reason);
        return DeployOutcome.Fail(reason, run.Id);
    }

    /// <summary>Sends promote or abort to a running canary or rolling deployment and waits for its end.</summary>
    private async Task<DeployOutcome> CommandAsync(ActiveRollout rollout, RolloutCommand command, string author, DeployProgress progress)
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

    private static string Durations(TimeSpan t) => Contracts.Durations.Format(t);
}
