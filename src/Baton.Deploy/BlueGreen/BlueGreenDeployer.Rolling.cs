using System.Diagnostics;
using Baton.Deploy.Rollouts;
using Baton.Deploy.ServiceFile;
using Baton.Deploy.Store;

namespace Baton.Deploy.BlueGreen;

public sealed partial class BlueGreenDeployer
{
    /// <summary>
    /// Rolling: the live replicas are replaced a batch at a time. Each batch: take up to
    /// max-unavailable old replicas out first; start the batch (up to max-surge + max-unavailable new
    /// containers); health-gate it as the candidate pool; then in one route-table update add it and take
    /// out as many old replicas as remain to match; drain and stop those (kept for rollback); watch the
    /// new replicas against the old ones for the batch time. A batch that never gets healthy, or whose
    /// numbers are worse, restores the replaced replicas and removes the new ones.
    /// </summary>
    private async Task<DeployOutcome> RollingAsync(Run run, DeployOptions options, DeployProgress progress, CancellationToken ct)
    {
        var live = router.Live(run.Service)!;
        var listed = await _containers.ListAsync(run.Service, ct).ConfigureAwait(false);
        if (!listed.TryGetValue(out var all, out var error)) return await FailAsync(run, error.Message, progress).ConfigureAwait(false);
        var old = all.Where(c => c.Role == ContainerLabels.Web && c.Target is not null && live.Targets.Contains(c.Target)).OrderBy(c => c.Name, StringComparer.Ordinal).ToList();
        int surge = options.MaxSurge ?? run.Def.Rolling.MaxSurge, unavailable = options.MaxUnavailable ?? run.Def.Rolling.MaxUnavailable;
        int batchSize = surge + unavailable, replicas = run.Def.Replicas;
        int batches = (replicas + batchSize - 1) / batchSize;
        var batchTime = options.StepTime ?? run.Def.Rolling.BatchTime;
        progress("step", $"Rolling {replicas} replicas in {batches} batch{(batches == 1 ? "" : "es")} of up to {batchSize} (max surge {surge}, max unavailable {unavailable}), each watched for {Durations(batchTime)}");
        return await OnBoardAsync(run, Strategy.Rolling, batches,
            rollout => RollingBatchesAsync(run, rollout, new Rolling(old, live.Name, surge, unavailable, batches, batchTime), progress, ct)).ConfigureAwait(false);
    }

    /// <summary>A rolling deploy's plan and what it has done so far.</summary>
    private sealed class Rolling(List<ReleaseContainer> old, string? oldPool, int surge, int unavailable, int batches, TimeSpan batchTime)
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

    private async Task<DeployOutcome> RollingBatchesAsync(Run run, ActiveRollout rollout, Rolling r, DeployProgress progress, CancellationToken ct)
    {
        var def = run.Def;
        r.Baseline = router.Numbers(run.Service, Targets(r.Old), 60);
        bool promoted = false;
        for (int b = 1, next = 1; next <= def.Replicas; b++)
        {
            int count = Math.Min(r.Surge + r.Unavailable, def.Replicas - next + 1);
            bool last = next + count > def.Replicas;
            rollout.Report(b, null, null, false, $"batch {b}/{r.Batches}: starting {count} new replica{(count == 1 ? "" : "s")}");
            var step = store.BeginStep(run.Id, $"batch {b}/{r.Batches}");
            var clock = Stopwatch.StartNew();

            // a. up to max-unavailable old replicas leave first
            int early = Math.Min(Math.Min(r.Unavailable, count), r.Old.Count);
            if (early > 0) await RetireOldAsync(run, r, early, addCandidate: false, poolName: null).ConfigureAwait(false);

            // b. start the batch and health-gate it as the candidate pool
            var started = await _containers.StartWebAsync(def, run.Release, run.Color, run.Image, run.Pinned, next, count, ct).ConfigureAwait(false);
            string? failure = null;
            IReadOnlyList<ReleaseContainer> batch = [];
            if (!started.TryGetValue(out var made, out var startError)) failure = $"Batch {b} could not start: {startError.Message}";
            else
            {
                batch = made;
                run.Web = batch;
                failure = await HealthyAsync(run, ct).ConfigureAwait(false);
                if (failure is null && b == 1 && def.ReleaseTask is not null)
                    failure = await _containers.RunTaskAsync(def, run.Release, run.Color, run.Image, run.Pinned, ct).ConfigureAwait(false);
                if (failure is null && b == 1 && def.Smoke.Count > 0) failure = await SmokeAsync(run, ct).ConfigureAwait(false);
            }
            if (failure is not null)
            {
                if (run.Staged) router.DropCandidate(run.Service);
                run.Staged = false;
                await _containers.RemoveAsync(batch, CancellationToken.None).ConfigureAwait(false);
                store.FinishStep(step, "failed", failure);
                return await RestoreOldAsync(run, r, $"Batch {b}/{r.Batches} failed: {failure.Replace("; the live release was not touched.", ".", StringComparison.Ordinal)}", progress).ConfigureAwait(false);
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
                if (end == WatchEnd.Worse || end == WatchEnd.Abort)
                {
                    store.FinishStep(step, end == WatchEnd.Abort ? "aborted" : "failed", $"{verdict.Reason ?? "aborted"}; {verdict.Numbers}");
                    var why = end == WatchEnd.Abort
                        ? $"Aborted by {rollout.CommandBy} at batch {b}/{r.Batches}."
                        : $"Rolled back automatically at batch {b}/{r.Batches}: the new replicas' {verdict.Reason}. Numbers: {verdict.Numbers}.";
                    return await RestoreOldAsync(run, r, why, progress, end == WatchEnd.Abort ? Outcomes.Aborted : Outcomes.RolledBack).ConfigureAwait(false);
                }
                promoted = end == WatchEnd.Promote;
                store.FinishStep(step, "ok", promoted ? $"promoted by {rollout.CommandBy}; {verdict.Numbers}" : verdict.Numbers);
            }
            else store.FinishStep(step, "ok", "promoted: not watched");
            next += count;
        }
        run.Web = r.Fresh;
        rollout.Report(r.Batches, null, null, false, "finishing");
        return await SwitchAsync(run, progress, ct, switched: true).ConfigureAwait(false);
    }

    /// <summary>
    /// Takes <paramref name="count"/> old replicas out of the live pool (adding the staged batch in
    /// the same update when <paramref name="addCandidate"/>; on the last batch every target that is
    /// not new leaves), lets their requests finish, and stops them, kept for a rollback.
    /// </summary>
    private async Task RetireOldAsync(Run run, Rolling r, int count, bool addCandidate, string? poolName)
    {
        var leaving = new List<ReleaseContainer>();
        for (int i = 0; i < count && r.Old.Count > 0; i++) leaving.Add(r.Old.Dequeue());
        var remove = Targets(leaving).ToHashSet(StringComparer.Ordinal);
        // The last batch also takes out live targets that are no container of the old release (the pool becomes exactly the new release).
        if (poolName is not null && router.Live(run.Service) is { } live)
            foreach (var t in live.Targets.Where(t => r.Fresh.All(f => f.Target != t))) remove.Add(t);
        var drain = router.Merge(run.Service, remove, addCandidate, poolName);
        await drain.WaitAsync(CancellationToken.None).ConfigureAwait(false);
        await _containers.StopAsync(leaving, run.Def.StopTimeout, CancellationToken.None).ConfigureAwait(false);
        r.Replaced.AddRange(leaving.Select(c => c with { Running = false }));
    }

    /// <summary>Judges the new replicas against the old ones every quarter second for the batch time (see <see cref="WatchAsync"/>).</summary>
    private async Task<(WatchEnd End, Verdict Last)> WatchBatchAsync(Run run, ActiveRollout rollout, Rolling r, int batch, DeployProgress progress, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        var endsAt = DateTimeOffset.UtcNow + r.BatchTime;
        var verdict = new Verdict(false, false, null, "no requests yet");
        int strikes = 0;
        var fresh = Targets(r.Fresh);
        var old = Targets(r.Old);
        while (clock.Elapsed < r.BatchTime)
        {
            await Task.WhenAny(Task.Delay(JudgeEvery, ct), rollout.Commanded).ConfigureAwait(false);
            ct.ThrowIfCancellationRequested();
            if (rollout.Command is { } command)
            {
                if (command == RolloutCommand.Promote) progress("info", $"Promoted by {rollout.CommandBy}: the remaining batches go without watching");
                return (command == RolloutCommand.Promote ? WatchEnd.Promote : WatchEnd.Abort, verdict);
            }
            int seconds = (int)Math.Ceiling(clock.Elapsed.TotalSeconds);
            var mine = router.Numbers(run.Service, fresh, seconds);
            if (old.Count > 0) r.Baseline = router.Numbers(run.Service, old, seconds);
            verdict = CanaryJudge.Judge(mine, r.Baseline, run.Def.Canary);
            rollout.Report(batch, null, endsAt, false, verdict.Numbers);
            strikes = verdict.Worse ? strikes + 1 : 0;
            if (verdict.Worse && (!verdict.OnLatency || strikes * JudgeEvery >= Verdict.LatencyHold)) return (WatchEnd.Worse, verdict);
        }
        return (WatchEnd.Passed, verdict);
    }

    /// <summary>
    /// Puts the replaced old replicas back: started again, health-gated, then in one update they
    /// rejoin and the new replicas leave; the new ones drain and are removed.
    /// </summary>
    private async Task<DeployOutcome> RestoreOldAsync(Run run, Rolling r, string reason, DeployProgress progress, string outcome = Outcomes.RolledBack)
    {
        progress("info", r.Replaced.Count == 0 ? "Nothing was replaced yet: the live release is untouched" : $"Restoring the {r.Replaced.Count} replaced replica(s) of the release before");
        string? trouble = null;
        await StepAsync(run, "rollback", progress, async () =>
        {
            if (r.Replaced.Count == 0) return null;
            var restarted = await _containers.RestartAsync(r.Replaced, CancellationToken.None).ConfigureAwait(false);
            if (!restarted.IsSuccess) return trouble = $"The replaced replicas could not start again: {restarted.Error.Message}";
            run.Web = r.Replaced;
            var color = run.Color;
            var oldRun = new Run { Id = run.Id, Def = run.Def, Release = run.Release, Color = r.OldPool ?? color, Image = run.Image, Web = r.Replaced };
            if (await HealthyAsync(oldRun, CancellationToken.None).ConfigureAwait(false) is { } unhealthy)
                return trouble = $"The replaced replicas did not get healthy again ({unhealthy})";
            var drain = router.Merge(run.Service, Targets(r.Fresh), addCandidate: true, r.OldPool);
            await drain.WaitAsync(CancellationToken.None).ConfigureAwait(false);
            await _containers.StopAsync(r.Fresh, run.Def.StopTimeout, CancellationToken.None).ConfigureAwait(false);
            await _containers.RemoveAsync(r.Fresh, CancellationToken.None).ConfigureAwait(false);
            return null;
        }).ConfigureAwait(false);
        var message = trouble is not null
            ? $"{reason} Restoring the release before failed: {trouble}; {r.Fresh.Count} new and {r.Old.Count} old replicas serve now."
            : r.Replaced.Count == 0 ? $"{reason} The live release was not touched." : $"{reason} The {r.Replaced.Count} replaced replica(s) were restored and the new ones removed.";
        store.FinishDeployment(run.Id, r.Replaced.Count == 0 && outcome == Outcomes.RolledBack ? Outcomes.Failed : outcome, message);
        store.Unlock(run.Service, run.Id);
        LogFailed(logger, run.Id, run.Service, message);
        progress("failed", message);
        return DeployOutcome.Fail(message, run.Id);
    }

    private static List<string> Targets(IEnumerable<ReleaseContainer> containers) => containers.Select(c => c.Target!).ToList();
}
