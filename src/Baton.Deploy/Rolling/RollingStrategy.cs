using System.Diagnostics;
using Baton.Deploy.Rollouts;
using Baton.Deploy.Runs;
using Baton.Deploy.Store;

namespace Baton.Deploy.Rolling;

/// <summary>
/// Rolling: the live replicas of a scaled service are replaced a batch at a time (max surge /
/// max unavailable), each batch health-gated and then watched against the old replicas.
/// </summary>
internal sealed class RollingStrategy(StepRunner steps, Switchover switchover, RolloutBoard board)
{
    private enum BatchEnd { Passed, Worse, Promote, Abort }

    /// <summary>Resolves the image, then runs the batches (see <see cref="BatchesAsync"/>).</summary>
    public async Task<DeployOutcome> RunAsync(Run run, DeployOptions options, DeployProgress progress, CancellationToken ct)
    {
        if (await steps.StepAsync(run, "resolve", progress, () => steps.ResolveAsync(run, progress, ct)).ConfigureAwait(false) is { } unresolved)
            return await steps.FailAsync(run, unresolved, progress, hadLive: true).ConfigureAwait(false);
        return await PlanAsync(run, options, progress, ct).ConfigureAwait(false);
    }

    /// <summary>
    /// Rolling: the live replicas are replaced a batch at a time. Each batch: take up to
    /// max-unavailable old replicas out first; start the batch (up to max-surge + max-unavailable new
    /// containers); health-gate it as the candidate pool; then in one route-table update add it and take
    /// out as many old replicas as remain to match; drain and stop those (kept for rollback); watch the
    /// new replicas against the old ones for the batch time. A batch that never gets healthy, or whose
    /// numbers are worse, restores the replaced replicas and removes the new ones.
    /// </summary>
    private async Task<DeployOutcome> PlanAsync(Run run, DeployOptions options, DeployProgress progress, CancellationToken ct)
    {
        var live = steps.Router.Live(run.Service)!;
        var listed = await steps.Containers.ListAsync(run.Service, ct).ConfigureAwait(false);
        if (!listed.TryGetValue(out var all, out var error)) return await steps.FailAsync(run, error.Message, progress, hadLive: true).ConfigureAwait(false);
        var old = all.Where(c => c.Role == ContainerLabels.Web && c.Target is not null && live.Targets.Contains(c.Target)).OrderBy(c => c.Name, StringComparer.Ordinal).ToList();
        int surge = options.MaxSurge ?? run.Def.Rolling.MaxSurge, unavailable = options.MaxUnavailable ?? run.Def.Rolling.MaxUnavailable;
        int batchSize = surge + unavailable, replicas = run.Def.WebCount(run.Color);
        int batches = (replicas + batchSize - 1) / batchSize;
        var batchTime = options.StepTime ?? run.Def.Rolling.BatchTime;
        progress("step", $"Rolling {replicas} replicas in {batches} batch{(batches == 1 ? "" : "es")} of up to {batchSize} (max surge {surge}, max unavailable {unavailable}), each watched for {Contracts.Durations.Format(batchTime)}");
        return await board.RunAsync(run.Service, run.Id, Strategy.Rolling, run.Image, batches,
            rollout => BatchesAsync(run, rollout, new RollingPlan(old, live.Name, surge, unavailable, batches, batchTime), progress, ct)).ConfigureAwait(false);
    }

    /// <summary>A rolling deploy's plan and what it has done so far.</summary>
    private sealed class RollingPlan(List<ReleaseContainer> old, string? oldPool, int surge, int unavailable, int batches, TimeSpan batchTime)
    {
        public Queue<ReleaseContainer> Old { get; } = new(old);
        public string? OldPool { get; } = oldPool;
        public int Surge { get; } = surge;
        public int Unavailable { get; } = unavailable;
        public int Batches { get; } = batches;
        public TimeSpan BatchTime { get; } = batchTime;
        /// <summary>Old replicas taken out and stopped (kept): started again by a rollback.</summary>
        public List<ReleaseContainer> Replaced { get; } = [];
        /// <summary>New replicas in the live pool.</summary>
        public List<ReleaseContainer> Fresh { get; } = [];
        /// <summary>The old replicas' numbers, from before the first batch and then from each watch while some serve.</summary>
        public PoolNumbers Baseline { get; set; } = PoolNumbers.None;
    }

    private async Task<DeployOutcome> BatchesAsync(Run run, ActiveRollout rollout, RollingPlan r, DeployProgress progress, CancellationToken ct)
    {
        var def = run.Def;
        r.Baseline = steps.Router.Numbers(run.Service, Targets(r.Old), 60);
        bool promoted = false;
        int replicas = def.WebCount(run.Color);
        for (int b = 1, next = 1; next <= replicas; b++)
        {
            int count = Math.Min(r.Surge + r.Unavailable, replicas - next + 1);
            bool last = next + count > replicas;
            rollout.Report(b, null, null, false, $"batch {b}/{r.Batches}: starting {count} new replica{(count == 1 ? "" : "s")}");
            var step = steps.Store.BeginStep(run.Id, $"batch {b}/{r.Batches}");
            var clock = Stopwatch.StartNew();

            // a. up to max-unavailable old replicas leave first
            int early = Math.Min(Math.Min(r.Unavailable, count), r.Old.Count);
            if (early > 0) await RetireOldAsync(run, r, early, addCandidate: false, poolName: null).ConfigureAwait(false);

            // b. start the batch and health-gate it as the candidate pool
            run.StartedAt = DateTimeOffset.UtcNow;
            var started = await steps.Containers.StartWebAsync(def, run.Release, run.Color, run.Image, run.Pinned, next, count, ct).ConfigureAwait(false);
            string? failure = null;
            IReadOnlyList<ReleaseContainer> batch = [];
            if (!started.TryGetValue(out var made, out var startError)) failure = $"Batch {b} could not start: {startError.Message}";
            else
            {
                batch = made;
                run.Web = batch;
                failure = await steps.HealthyAsync(run, ct).ConfigureAwait(false);
                if (failure is null && b == 1 && def.ReleaseTask is not null)
                    failure = await steps.Containers.RunTaskAsync(def, run.Release, run.Color, run.Image, run.Pinned, ct).ConfigureAwait(false);
                if (failure is null && b == 1 && def.Smoke.Count > 0) failure = await steps.SmokeAsync(run, ct).ConfigureAwait(false);
            }
            if (failure is not null)
            {
                if (run.Staged) steps.Router.DropCandidate(run.Service);
                run.Staged = false;
                await steps.Containers.RemoveAsync(batch, CancellationToken.None).ConfigureAwait(false);
                steps.Store.FinishStep(step, "failed", failure);
                return await RestoreOldAsync(run, r, $"Batch {b}/{r.Batches} failed: {failure}", progress).ConfigureAwait(false);
            }

            // c. the batch joins and as many old replicas leave, in one update; the leavers drain and stop
            int leave = last ? r.Old.Count : Math.Min(count - early, r.Old.Count);
            run.Staged = false;
            await RetireOldAsync(run, r, leave, addCandidate: true, poolName: last ? run.Color : null).ConfigureAwait(false);
            r.Fresh.AddRange(batch);
            progress("step", $"Batch {b}/{r.Batches}: {count} new replica{(count == 1 ? "" : "s")} serving, {r.Old.Count} old left ({clock.Elapsed.TotalSeconds:0.0} s)");

            // d. watch the new replicas against the old ones
            if (!promoted)
            {
                var (end, verdict) = await WatchBatchAsync(run, rollout, r, b, progress, ct).ConfigureAwait(false);
                if (end == BatchEnd.Worse || end == BatchEnd.Abort)
                {
                    steps.Store.FinishStep(step, end == BatchEnd.Abort ? "aborted" : "failed", $"{verdict.Reason ?? "aborted"}; {verdict.Numbers}");
                    var why = end == BatchEnd.Abort
                        ? $"Aborted by {rollout.CommandBy} at batch {b}/{r.Batches}."
                        : $"Rolled back automatically at batch {b}/{r.Batches}: the new replicas' {verdict.Reason}. Numbers: {verdict.Numbers}.";
                    return await RestoreOldAsync(run, r, why, progress, end == BatchEnd.Abort ? Outcomes.Aborted : Outcomes.RolledBack).ConfigureAwait(false);
                }
                promoted = end == BatchEnd.Promote;
                steps.Store.FinishStep(step, "ok", promoted ? $"promoted by {rollout.CommandBy}; {verdict.Numbers}" : verdict.Numbers);
            }
            else steps.Store.FinishStep(step, "ok", "promoted: not watched");
            next += count;
        }
        run.Web = r.Fresh;
        rollout.Report(r.Batches, null, null, false, "finishing");
        return await switchover.RunAsync(run, progress, ct, switched: true).ConfigureAwait(false);
    }

    /// <summary>
    /// Takes <paramref name="count"/> old replicas out of the live pool (adding the staged batch in
    /// the same update when <paramref name="addCandidate"/>; on the last batch every target that is
    /// not new leaves), lets their requests finish, and stops them, kept for a rollback.
    /// </summary>
    private async Task RetireOldAsync(Run run, RollingPlan r, int count, bool addCandidate, string? poolName)
    {
        var leaving = new List<ReleaseContainer>();
        for (int i = 0; i < count && r.Old.Count > 0; i++) leaving.Add(r.Old.Dequeue());
        var remove = Targets(leaving).ToHashSet(StringComparer.Ordinal);
        // The last batch also takes out live targets that are no container of the old release (the pool becomes exactly the new release).
        if (poolName is not null && steps.Router.Live(run.Service) is { } live)
            foreach (var t in live.Targets.Where(t => r.Fresh.All(f => f.Target != t))) remove.Add(t);
        var drain = steps.Router.Merge(run.Service, remove, addCandidate, poolName);
        await drain.WaitAsync(CancellationToken.None).ConfigureAwait(false);
        await steps.Containers.StopAsync(leaving, run.Def.StopTimeout, CancellationToken.None).ConfigureAwait(false);
        r.Replaced.AddRange(leaving.Select(c => c with { Running = false }));
    }

    /// <summary>Judges the new replicas against the old ones every quarter second for the batch time (as a canary step).</summary>
    private async Task<(BatchEnd End, Verdict Last)> WatchBatchAsync(Run run, ActiveRollout rollout, RollingPlan r, int batch, DeployProgress progress, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        var endsAt = DateTimeOffset.UtcNow + r.BatchTime;
        var verdict = new Verdict(false, false, null, "no requests yet");
        int strikes = 0;
        var fresh = Targets(r.Fresh);
        var old = Targets(r.Old);
        // An exit, restart or OOM kill of a new replica ends the batch as worse at once, as in the watch after a switch.
        using var exitStop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var exits = ExitWatch.StartAsync(steps.Docker, run.Service, r.Fresh, run.StartedAt, exitStop.Token);
        try
        {
            while (clock.Elapsed < r.BatchTime)
            {
                await Task.WhenAny(Task.Delay(SwitchWatch.JudgeEvery, ct), rollout.Commanded, exits).ConfigureAwait(false);
                ct.ThrowIfCancellationRequested();
                if (exits.IsCompleted && await exits.ConfigureAwait(false) is { } exit)
                    return (BatchEnd.Worse, verdict with { Worse = true, Reason = exit });
                if (rollout.Command is { } command)
                {
                    if (command == RolloutCommand.Promote) progress("info", $"Promoted by {rollout.CommandBy}: the remaining batches go without watching");
                    return (command == RolloutCommand.Promote ? BatchEnd.Promote : BatchEnd.Abort, verdict);
                }
                int seconds = (int)Math.Ceiling(clock.Elapsed.TotalSeconds);
                var mine = steps.Router.Numbers(run.Service, fresh, seconds);
                if (old.Count > 0) r.Baseline = steps.Router.Numbers(run.Service, old, seconds);
                verdict = CanaryJudge.Judge(mine, r.Baseline, run.Def.Canary);
                rollout.Report(batch, null, endsAt, false, verdict.Numbers);
                strikes = verdict.Worse ? strikes + 1 : 0;
                if (verdict.Worse && (!verdict.OnLatency || strikes * SwitchWatch.JudgeEvery >= Verdict.LatencyHold)) return (BatchEnd.Worse, verdict);
            }
            return (BatchEnd.Passed, verdict);
        }
        finally
        {
            await ExitWatch.StopAsync(exits, exitStop).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Puts the replaced old replicas back: started again, health-gated, then in one update they
    /// rejoin and the new replicas leave; the new ones drain and are removed.
    /// </summary>
    private async Task<DeployOutcome> RestoreOldAsync(Run run, RollingPlan r, string reason, DeployProgress progress, string outcome = Outcomes.RolledBack)
    {
        progress("info", r.Replaced.Count == 0 ? "Nothing was replaced yet: the live release is untouched" : $"Restoring the {r.Replaced.Count} replaced replica(s) of the release before");
        string? trouble = null;
        await steps.StepAsync(run, "rollback", progress, async () =>
        {
            if (r.Replaced.Count == 0) return null;
            var restarted = await steps.Containers.RestartAsync(r.Replaced, CancellationToken.None).ConfigureAwait(false);
            if (!restarted.IsSuccess) return trouble = $"The replaced replicas could not start again: {restarted.Error.Message}";
            run.Web = r.Replaced;
            var color = run.Color;
            // The replaced replicas run the release before: the router's request log names it.
            var oldRun = new Run { Id = run.Id, Def = run.Def, Release = r.Replaced[0].Release, Color = r.OldPool ?? color, Image = run.Image, Web = r.Replaced };
            if (await steps.HealthyAsync(oldRun, CancellationToken.None).ConfigureAwait(false) is { } unhealthy)
                return trouble = $"The replaced replicas did not get healthy again ({unhealthy})";
            var drain = steps.Router.Merge(run.Service, Targets(r.Fresh), addCandidate: true, r.OldPool);
            await drain.WaitAsync(CancellationToken.None).ConfigureAwait(false);
            await steps.Containers.StopAsync(r.Fresh, run.Def.StopTimeout, CancellationToken.None).ConfigureAwait(false);
            await steps.Containers.RemoveAsync(r.Fresh, CancellationToken.None).ConfigureAwait(false);
            return null;
        }).ConfigureAwait(false);
        var message = trouble is not null
            ? $"{reason} Restoring the release before failed: {trouble}; {r.Fresh.Count} new and {r.Old.Count} old replicas serve now."
            : r.Replaced.Count == 0 ? $"{reason} The live release was not touched." : $"{reason} The {r.Replaced.Count} replaced replica(s) were restored and the new ones removed.";
        steps.Store.FinishDeployment(run.Id, r.Replaced.Count == 0 && outcome == Outcomes.RolledBack ? Outcomes.Failed : outcome, message);
        steps.Store.Unlock(run.Service, run.Id);
        StepRunner.LogFailed(steps.Logger, run.Id, run.Service, message);
        progress("failed", message);
        return DeployOutcome.Fail(message, run.Id);
    }

    private static List<string> Targets(IEnumerable<ReleaseContainer> containers) => containers.Select(c => c.Target!).ToList();
}
