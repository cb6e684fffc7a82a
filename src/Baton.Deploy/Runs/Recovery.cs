using Baton.Deploy.ServiceFile;
using Baton.Deploy.Store;
using Microsoft.Extensions.Logging;

namespace Baton.Deploy.Runs;

/// <summary>
/// At start: every deployment left unfinished by a process that died is finished (when the
/// router already switched to it) or rolled back (otherwise), and its lock released.
/// </summary>
internal sealed partial class Recovery(StepRunner steps, Switchover switchover)
{
    public async Task RecoverAsync(CancellationToken ct)
    {
        var store = steps.Store;
        var router = steps.Router;
        foreach (var d in store.Unfinished())
        {
            var held = store.GetLock(d.Service);
            if (held is not null && held.Holder == DeployStore.ThisProcess) continue;
            var listed = await steps.Containers.ListAsync(d.Service, ct).ConfigureAwait(false);
            if (!listed.TryGetValue(out var all, out var error))
            {
                LogRecoveryFailed(steps.Logger, d.Id, error.Message);
                continue;
            }
            var yaml = store.DefinitionOf(d.Id) ?? store.GetService(d.Service);
            var def = yaml is null ? null : ServiceFileParser.Parse(yaml).Definition;
            var mine = all.Where(c => c.Release == d.Release).ToList();
            var live = router.Live(d.Service);
            bool switched = live is not null && mine.Any(c => c.Target is not null && live.Targets.Contains(c.Target));
            var lastStep = d.Steps.LastOrDefault()?.Name ?? "start";
            if (d.Kind is Kinds.HostDrain or Kinds.HostResume)
            {
                // The live pool keeps what it had when Baton stopped; the server stays drained until resumed.
                store.FinishDeployment(d.Id, Outcomes.Failed, $"Baton stopped during {lastStep} of a {d.Kind}; the live pool kept serving as it was. `baton host drain` or `baton host resume` again finishes it.");
                store.Unlock(d.Service, d.Id);
            }
            else if (switched && d.Kind == "rolling" && live!.Targets.Any(t => all.Any(c => c.Target == t && c.Release != d.Release)))
            {
                // Part of the replicas were replaced: the mixed pool keeps serving, nothing is stopped under it.
                var replaced = mine.Count(c => c.Target is not null && live.Targets.Contains(c.Target));
                store.FinishDeployment(d.Id, Outcomes.Failed, $"Baton stopped during {lastStep} of a rolling deploy; {replaced} of {live.Targets.Count} live replicas run {d.Release} and the rest the release before. Both keep serving: deploy again or `baton rollback {d.Service}`.");
                store.Unlock(d.Service, d.Id);
            }
            else if (switched && def is not null)
            {
                // A watch cut short had the old release staged as the candidate: it is not needed any more.
                router.DropCandidate(d.Service);
                var run = new Run { Id = d.Id, Def = def, Release = d.Release, Color = d.Color ?? "blue", Image = d.Image, Pinned = d.Digest ?? d.Image, Web = mine.Where(c => c.Role == ContainerLabels.Web).ToList() };
                await switchover.RunAsync(run, (_, _) => { }, ct, $"Finished after a restart of Baton (it had stopped during {lastStep}).").ConfigureAwait(false);
            }
            else
            {
                router.DropCandidate(d.Service);
                // Kept containers of an interrupted rollback go back to being kept; new ones are removed.
                if (d.Kind == "rollback") await steps.Containers.StopAsync(mine, def?.StopTimeout ?? TimeSpan.FromSeconds(10), ct).ConfigureAwait(false);
                else await steps.Containers.RemoveAsync(mine, ct).ConfigureAwait(false);
                var note = live is null ? "" : " The live release was not touched.";
                // A held deployment had finished its steps: "stopped during healthy" would send the user looking for a crash.
                store.FinishDeployment(d.Id, Outcomes.RolledBack, d.Outcome == Outcomes.Held
                    ? $"It was held for promote when Baton stopped; its candidate was discarded at the next start.{note}"
                    : $"Baton stopped during {lastStep}; rolled back at its next start.{note}");
                store.Unlock(d.Service, d.Id); // the finished branch's switchover has released it already
            }
            LogRecovered(steps.Logger, d.Id, d.Service, switched ? "finished" : "rolled back");
        }
        // A lock with no unfinished deployment behind it is stale.
        foreach (var l in store.Locks())
            if (l.Holder != DeployStore.ThisProcess && store.GetDeployment(l.DeploymentId) is not { Outcome: Outcomes.Running or Outcomes.Held })
                store.Unlock(l.Service, l.DeploymentId);
        // Containers no release owns (a deploy cut short, a server lost mid-deploy) go now, on every engine that answers.
        await new OrphanSweep(steps).RunAsync(null, ct).ConfigureAwait(false);
    }

    [LoggerMessage(EventId = LogEvents.Recovered, Level = LogLevel.Information, Message = "Deployment #{Id} of {Service} left by a stopped Baton was {What}")]
    private static partial void LogRecovered(ILogger logger, long id, string service, string what);

    [LoggerMessage(EventId = LogEvents.RecoveryFailed, Level = LogLevel.Warning, Message = "Could not recover deployment #{Id}: {Reason}")]
    private static partial void LogRecoveryFailed(ILogger logger, long id, string reason);
}
