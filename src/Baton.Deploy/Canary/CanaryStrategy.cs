using System.Diagnostics;
using System.Globalization;
using Baton.Deploy.Rollouts;
using Baton.Deploy.Runs;
using Baton.Deploy.Store;

namespace Baton.Deploy.Canary;

/// <summary>
/// Canary: once the candidate is healthy, migrated and smoke-tested, it gets a sticky share of
/// clients at each step and is judged against the live release every quarter second on the
/// router's numbers over the step so far. Worse numbers roll it back at once; a step that passes
/// moves to the next share; the last step (100) is the switch, watched like any other.
/// </summary>
internal sealed class CanaryStrategy(StepRunner steps, Switchover switchover, RolloutBoard board)
{
    private enum StepEnd { Passed, Worse, Promote, Abort }

    public async Task<DeployOutcome> RunAsync(Run run, DeployOptions options, bool hadLive, DeployProgress progress, CancellationToken ct)
    {
        if (await steps.PrepareAsync(run, progress, ct).ConfigureAwait(false) is { } failure)
            return await steps.FailAsync(run, failure, progress, hadLive).ConfigureAwait(false);
        if (steps.Router.Live(run.Service) is not { } live)
        {
            progress("info", $"{run.Service} has no live release to compare with: the first release takes all traffic at once");
            return await switchover.RunAsync(run, progress, ct).ConfigureAwait(false);
        }
        var shares = options.Steps ?? run.Def.Canary.Steps;
        return await board.RunAsync(run.Service, run.Id, Strategy.Canary, run.Image, shares.Count,
            rollout => StepsAsync(run, rollout, shares, options.StepTime ?? run.Def.Canary.StepTime, live.Targets, progress, ct)).ConfigureAwait(false);
    }

    private async Task<DeployOutcome> StepsAsync(Run run, ActiveRollout rollout, IReadOnlyList<int> shares, TimeSpan stepTime, IReadOnlyList<string> liveTargets, DeployProgress progress, CancellationToken ct)
    {
        var candidateTargets = run.Targets;
        var started = Stopwatch.StartNew();
        for (int i = 0; i < shares.Count && shares[i] < 100; i++)
        {
            int percent = shares[i];
            if (steps.Router.SetCanary(run.Service, percent) is { } refused)
                return await RollBackCandidateAsync(run, Outcomes.Failed, $"The canary share could not be set: {refused}", progress).ConfigureAwait(false);
            progress("step", $"Canary step {i + 1}/{shares.Count}: {percent}% of clients on {run.Image}, judged for {Contracts.Durations.Format(stepTime)}");
            var step = steps.Store.BeginStep(run.Id, $"canary {percent}%");
            run.Step = $"canary {percent}%";
            var clock = Stopwatch.StartNew();
            var (end, verdict) = await JudgeStepAsync(run, rollout, i + 1, percent, stepTime, candidateTargets, liveTargets, progress, ct).ConfigureAwait(false);
            switch (end)
            {
                case StepEnd.Worse:
                    steps.Store.FinishStep(step, "failed", $"{verdict.Reason}; {verdict.Numbers}");
                    return await RollBackCandidateAsync(run, Outcomes.RolledBack,
                        $"Rolled back automatically at {percent}% after {clock.Elapsed.TotalSeconds:0} s of the step ({started.Elapsed.TotalSeconds:0} s into the canary): the candidate's {verdict.Reason}. Numbers over the step: {verdict.Numbers}. The live release kept serving.", progress).ConfigureAwait(false);
                case StepEnd.Abort:
                    steps.Store.FinishStep(step, "aborted", verdict.Numbers);
                    return await RollBackCandidateAsync(run, Outcomes.Aborted,
                        $"Aborted by {rollout.CommandBy} at {percent}%: {run.Color} ({run.Image}) was rolled back; the live release kept serving. Numbers over the step: {verdict.Numbers}.", progress).ConfigureAwait(false);
                case StepEnd.Promote:
                    steps.Store.FinishStep(step, "ok", $"promoted by {rollout.CommandBy}; {verdict.Numbers}");
                    progress("info", $"Promoted by {rollout.CommandBy} at {percent}%: switching now");
                    return await switchover.RunAsync(run, progress, ct).ConfigureAwait(false);
                default:
                    var note = verdict.Judged ? verdict.Numbers : $"{verdict.Numbers} (not judged: fewer than {run.Def.Canary.MinRequests} requests reached the candidate)";
                    steps.Store.FinishStep(step, "ok", note);
                    progress(verdict.Judged ? "step" : "info", $"Canary at {percent}% passed after {clock.Elapsed.TotalSeconds:0} s: {note}");
                    break;
            }
        }
        rollout.Report(shares.Count, 100, null, false, "promoting");
        return await switchover.RunAsync(run, progress, ct).ConfigureAwait(false);
    }

    /// <summary>
    /// Judges the candidate every quarter second until the step time is up, a judgement finds it worse,
    /// or an operator promotes or aborts. A share set by hand (<c>baton canary</c>) pauses the
    /// steps: the canary then waits at that share, still judged, for promote or abort.
    /// </summary>
    private async Task<(StepEnd End, Verdict Last)> JudgeStepAsync(Run run, ActiveRollout rollout, int stepNumber, double percent, TimeSpan stepTime,
        IReadOnlyCollection<string> candidate, IReadOnlyCollection<string> live, DeployProgress progress, CancellationToken ct)
    {
        var router = steps.Router;
        var clock = Stopwatch.StartNew();
        var endsAt = DateTimeOffset.UtcNow + stepTime;
        bool paused = false;
        int strikes = 0;
        var verdict = new Verdict(false, false, null, "no requests yet");
        rollout.Report(stepNumber, percent, endsAt, paused, "watching");
        while (true)
        {
            await Task.WhenAny(Task.Delay(SwitchWatch.JudgeEvery, ct), rollout.Commanded).ConfigureAwait(false);
            ct.ThrowIfCancellationRequested();
            if (rollout.Command is { } command) return (command == RolloutCommand.Promote ? StepEnd.Promote : StepEnd.Abort, verdict);

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
            if (verdict.Worse && (!verdict.OnLatency || strikes * SwitchWatch.JudgeEvery >= Verdict.LatencyHold)) return (StepEnd.Worse, verdict);
            if (!paused && clock.Elapsed >= stepTime) return (StepEnd.Passed, verdict);
        }
    }

    /// <summary>
    /// Takes the candidate out of the router (its share goes to 0 with it), lets the requests it is
    /// serving finish, then stops and removes its containers; the live release never stopped serving.
    /// </summary>
    private async Task<DeployOutcome> RollBackCandidateAsync(Run run, string outcome, string reason, DeployProgress progress)
    {
        progress("info", outcome == Outcomes.Aborted ? "Rolling the candidate back" : $"Rolling back: {reason}");
        await steps.StepAsync(run, "rollback", progress, async () =>
        {
            var drain = steps.Router.RetireCandidate(run.Service);
            run.Staged = false;
            await drain.WaitAsync(CancellationToken.None).ConfigureAwait(false);
            await steps.Containers.StopAsync(run.Web, run.Def.StopTimeout, CancellationToken.None).ConfigureAwait(false);
            await steps.Containers.RemoveAsync(run.Web, CancellationToken.None).ConfigureAwait(false);
            return null;
        }).ConfigureAwait(false);
        steps.Store.FinishDeployment(run.Id, outcome, reason);
        steps.Store.Unlock(run.Service, run.Id);
        StepRunner.LogFailed(steps.Logger, run.Id, run.Service, reason);
        progress("failed", reason);
        return DeployOutcome.Fail(reason, run.Id);
    }
}
