using Baton.Deploy.Rollouts;
using Baton.Deploy.Store;

namespace Baton.Deploy.Runs;

/// <summary>
/// The second half of every strategy, once the new release is ready: switch, watch, workers,
/// drain, stop the old release, prune. Written once, so blue-green, promote, rollback and a
/// canary's last step all end the same way.
/// </summary>
internal sealed class Switchover(StepRunner steps)
{
    /// <summary>
    /// Steps: 1. switch the router (the old pool's drain starts at once); 2. watch the new release
    /// for the watch window with the old release warm beside it (staged again as the candidate),
    /// and on a failure switch straight back to it and stop the new one; 3. stop the old release's
    /// workers and start the new ones, so a job never runs on both; 4. wait for the drain; 5. stop
    /// the old containers, kept for rollback; 6. remove the releases beyond the number kept, the
    /// least recently live first.
    /// </summary>
    /// <param name="recoveredReason">Set when finishing a deployment a stopped Baton left after its switch: the router
    /// already switched, and the history records this reason with the outcome in one write.</param>
    /// <param name="switched">The strategy moved the traffic itself (rolling batches, each watched already).</param>
    public async Task<DeployOutcome> RunAsync(Run run, DeployProgress progress, CancellationToken ct, string? recoveredReason = null, bool switched = false)
    {
        var router = steps.Router;
        var store = steps.Store;
        var old = router.Live(run.Service);
        bool watch = run.Watch > TimeSpan.Zero && recoveredReason is null && !switched && old is { Targets.Count: > 0 };
        var before = watch ? router.Numbers(run.Service, old!.Targets, 60) : PoolNumbers.None;
        using var exitStop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        // Opened before the switch, so no exit after it can be missed.
        var exits = watch ? ExitWatch.StartAsync(steps.Docker, run.Service, run.Web, run.StartedAt, exitStop.Token) : Task.FromResult<string?>(null);

        // Step 1
        Task<int>? drained = null;
        if (recoveredReason is null && !switched)
        {
            await steps.StepAsync(run, "switch", progress, () =>
            {
                var drain = router.Switch(run.Service);
                drained = drain.WaitAsync(ct);
                if (drain.Note is { } note) progress("info", note);
                return Task.FromResult<string?>(null);
            }).ConfigureAwait(false);
        }

        // Step 2
        if (watch)
        {
            var failed = await WatchAsync(run, old!, before, exits, progress, ct).ConfigureAwait(false);
            if (failed is not null)
            {
                await ExitWatch.StopAsync(exits, exitStop).ConfigureAwait(false);
                if (drained is not null) await drained.ConfigureAwait(false);
                return failed;
            }
        }
        await ExitWatch.StopAsync(exits, exitStop).ConfigureAwait(false);

        // Step 3
        var listed = await steps.Containers.ListAsync(run.Service, ct).ConfigureAwait(false);
        var all = listed.IsSuccess ? listed.Value : [];
        if (run.Def.Workers.Count > 0)
        {
            await steps.StepAsync(run, "workers", progress, async () =>
            {
                await steps.Containers.StopAsync(all.Where(c => c.Role == ContainerLabels.Worker && c.Release != run.Release), run.Def.StopTimeout, ct).ConfigureAwait(false);
                var started = await steps.Containers.StartWorkersAsync(run.Def, run.Release, run.Color, run.Image, run.Pinned, all.Where(c => c.Role == ContainerLabels.Worker && c.Release == run.Release).ToList(), ct).ConfigureAwait(false);
                if (!started.IsSuccess) progress("info", $"The workers of {run.Release} could not start: {started.Error.Message}");
                return null;
            }).ConfigureAwait(false);
        }

        // Step 4
        if (drained is not null)
        {
            await steps.StepAsync(run, "drain", progress, async () =>
            {
                var cut = await drained.ConfigureAwait(false);
                if (cut > 0) progress("info", $"Drain timeout reached: {cut} long-lived request(s) closed");
                return null;
            }).ConfigureAwait(false);
        }

        // Step 5 and 6
        var lastLive = store.Succeeded(run.Service, 500).GroupBy(d => d.Release).ToDictionary(g => g.Key, g => g.Max(d => d.Id), StringComparer.Ordinal);
        var others = all.Where(c => c.Release != run.Release).GroupBy(c => c.Release)
            .OrderByDescending(g => lastLive.GetValueOrDefault(g.Key))
            .ThenByDescending(g => g.Max(c => c.Created)).ToList();
        var kept = others.Take(run.Def.Keep).SelectMany(g => g).Where(c => c.Role == ContainerLabels.Web && c.Running).ToList();
        var prune = others.Skip(run.Def.Keep).SelectMany(g => g).ToList();
        if (kept.Count > 0)
            await steps.StepAsync(run, "stop-old", progress, async () => { await steps.Containers.StopAsync(kept, run.Def.StopTimeout, ct).ConfigureAwait(false); return null; }).ConfigureAwait(false);
        if (prune.Count > 0)
        {
            await steps.StepAsync(run, "prune", progress, async () =>
            {
                await steps.Containers.StopAsync(prune, run.Def.StopTimeout, ct).ConfigureAwait(false);
                await steps.Containers.RemoveAsync(prune, ct).ConfigureAwait(false);
                return null;
            }).ConfigureAwait(false);
        }

        var message = $"{run.Service} is live on {run.Color} ({run.Image}, release {run.Release}).";
        store.FinishDeployment(run.Id, Outcomes.Succeeded, recoveredReason);
        store.Unlock(run.Service, run.Id);
        progress("done", message);
        return new DeployOutcome(true, message, run.Id);
    }

    /// <summary>
    /// Keeps the old release warm as the router's candidate (health-checked, no public traffic)
    /// while the watch runs; on a failure switches back to it in one route-table update.
    /// </summary>
    /// <returns>Null when the window passed; else the failed deployment's outcome.</returns>
    private async Task<DeployOutcome?> WatchAsync(Run run, LivePool old, PoolNumbers before, Task<string?> exits, DeployProgress progress, CancellationToken ct)
    {
        var router = steps.Router;
        var oldColor = old.Name ?? (run.Color == "blue" ? "green" : "blue");
        using var fallbackStop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var fallback = router.StageAsync(run.Service, StepRunner.Routes(run.Def), oldColor, old.Targets, run.Def.DeployTimeout, fallbackStop.Token, standby: true, release: old.Release);
        progress("info", $"Watching {run.Image} for {Contracts.Durations.Format(run.Watch)}; {oldColor} stays warm to switch back to");
        // The history keeps the numbers the watch judged last, so the page can draw the judgement.
        string? judged = null;
        var failure = await steps.StepAsync(run, "watch", progress,
            () => SwitchWatch.RunAsync(router, run, before, exits, numbers => judged = numbers, ct), () => judged).ConfigureAwait(false);
        if (failure is null)
        {
            // Not needed: the warm old release leaves the candidate pool (it served no public traffic).
            if (!fallback.IsCompleted) await fallbackStop.CancelAsync().ConfigureAwait(false);
            // Still waiting for the old release to turn healthy (it may be gone: a rebooted host) when the watch passed: the
            // stopped stage answers why, as any router does.
            var unready = await fallback.ConfigureAwait(false);
            if (unready is null) await router.RetireCandidate(run.Service).WaitAsync(CancellationToken.None).ConfigureAwait(false);
            else router.DropCandidate(run.Service);
            return null;
        }

        // Switch back: the old release is staged (normally long since healthy); then the new one drains and stops.
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var unstaged = await fallback.ConfigureAwait(false);
        string reason, outcome = Outcomes.RolledBack;
        if (unstaged is null)
        {
            var back = router.Switch(run.Service);
            progress("info", $"Switched back to {oldColor} in {clock.Elapsed.TotalMilliseconds:0} ms: {failure}");
            // The router's numbers often see a crash before the engine's event arrives: name the exit too when it follows.
            if (await Task.WhenAny(exits, Task.Delay(TimeSpan.FromSeconds(3), CancellationToken.None)).ConfigureAwait(false) == exits
                && await exits.ConfigureAwait(false) is { } exit && !failure.Contains(exit, StringComparison.Ordinal))
                failure = $"{exit}; {failure}";
            await back.WaitAsync(CancellationToken.None).ConfigureAwait(false);
            if (run.Reused) await steps.Containers.StopAsync(run.Web, run.Def.StopTimeout, CancellationToken.None).ConfigureAwait(false);
            else await steps.Containers.RemoveAsync(run.Web, CancellationToken.None).ConfigureAwait(false);
            reason = $"Rolled back after the switch: {failure}. The old release on {oldColor} took the traffic back at once; {run.Image} ({run.Release}) was stopped.";
        }
        else
        {
            outcome = Outcomes.Failed;
            reason = $"Failed after the switch: {failure}. The old release on {oldColor} could not take the traffic back ({unstaged}), so {run.Image} ({run.Release}) keeps serving: deploy a fixed release.";
        }
        steps.Store.FinishDeployment(run.Id, outcome, reason);
        steps.Store.Unlock(run.Service, run.Id);
        StepRunner.LogFailed(steps.Logger, run.Id, run.Service, reason);
        progress("failed", reason);
        return DeployOutcome.Fail(reason, run.Id);
    }
}
