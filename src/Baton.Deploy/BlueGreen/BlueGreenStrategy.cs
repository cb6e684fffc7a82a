using Baton.Deploy.Runs;
using Baton.Deploy.ServiceFile;
using Baton.Deploy.Store;

namespace Baton.Deploy.BlueGreen;

/// <summary>
/// Blue-green: the new release starts in the idle colour beside the live one, and takes all the
/// traffic at once once healthy, migrated and smoke-tested; or waits there, held, for promote or
/// abort. The old colour stays warm through the watch window, then is stopped and kept.
/// </summary>
internal sealed class BlueGreenStrategy(StepRunner steps, Switchover switchover)
{
    public async Task<DeployOutcome> RunAsync(Run run, bool hold, bool hadLive, DeployProgress progress, CancellationToken ct)
    {
        if (await steps.PrepareAsync(run, progress, ct).ConfigureAwait(false) is { } failure)
            return await steps.FailAsync(run, failure, progress, hadLive).ConfigureAwait(false);
        if (!hold) return await switchover.RunAsync(run, progress, ct).ConfigureAwait(false);

        var (url, host) = steps.Router.Staging(run.Service, run.Color);
        var where = host is not null && url is not null
            ? $"{url.Scheme}://{host}:{url.Port}/ (the staging listener)"
            : string.Join(", ", run.Targets);
        var message = $"Held before the switch: {run.Color} ({run.Image}) is reachable at {where}; `baton promote {run.Service}` switches, `baton abort {run.Service}` discards it.";
        steps.Store.FinishDeployment(run.Id, Outcomes.Held, message);
        progress("done", message);
        return new DeployOutcome(true, message, run.Id);
    }

    /// <summary>Discards a held deployment: the candidate is dropped and its containers removed.</summary>
    public async Task<DeployOutcome> AbortAsync(string service, string author, DeployProgress progress, CancellationToken ct)
    {
        if (await HeldRunAsync(service, ct).ConfigureAwait(false) is not { } run)
        {
            var running = steps.Store.GetLock(service);
            return DeployOutcome.Fail(running is null
                ? Deployer.NothingHeld(service)
                : $"Deployment #{running.DeploymentId} of {service} is still running; only a held deployment can be aborted.", failure: DeployFailure.Conflict);
        }
        steps.Router.DropCandidate(service);
        await steps.Containers.RemoveAsync(run.Web, CancellationToken.None).ConfigureAwait(false);
        var note = steps.Router.Live(service) is null ? "" : "; the live release was not touched";
        var message = $"Aborted by {author}: {run.Color} ({run.Image}) was discarded{note}.";
        steps.Store.FinishDeployment(run.Id, Outcomes.Aborted, message);
        steps.Store.Unlock(service, run.Id);
        progress("done", message);
        return new DeployOutcome(true, message, run.Id);
    }

    /// <summary>The service's held deployment, rebuilt from the history and the engine; null when none is held.</summary>
    public async Task<Run?> HeldRunAsync(string service, CancellationToken ct)
    {
        var d = steps.Store.Unfinished().FirstOrDefault(x => x.Service == service && x.Outcome == Outcomes.Held);
        if (d is null) return null;
        var def = ServiceFileParser.Parse(steps.Store.DefinitionOf(d.Id) ?? "").Definition;
        if (def is null) return null;
        var listed = await steps.Containers.ListAsync(service, ct).ConfigureAwait(false);
        var web = listed.IsSuccess ? listed.Value.Where(c => c.Release == d.Release && c.Role == ContainerLabels.Web).ToList() : [];
        return new Run { Id = d.Id, Def = def, Release = d.Release, Color = d.Color ?? "green", Image = d.Image, Pinned = d.Digest ?? d.Image, Web = web, Staged = true, Watch = def.Watch };
    }
}
