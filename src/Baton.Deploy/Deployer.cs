using Baton.Deploy.BlueGreen;
using Baton.Deploy.Canary;
using Baton.Deploy.Rolling;
using Baton.Deploy.Rollouts;
using Baton.Deploy.Runs;
using Baton.Deploy.Servers;
using Baton.Deploy.ServiceFile;
using Baton.Deploy.Store;
using Baton.Docker;
using Microsoft.Extensions.Logging;

namespace Baton.Deploy;

/// <summary>
/// Deploys Docker images of an applied service, and moves it between releases: each strategy in
/// its folder (<see cref="BlueGreenStrategy"/>, <see cref="CanaryStrategy"/>, <see cref="RollingStrategy"/>)
/// runs the recorded steps of one <see cref="StepRunner"/>, and ends with the same
/// <see cref="Switchover"/> (switch, watch, drain, stop, prune). A deployment cut short by a
/// stop of Baton is finished or rolled back at the next start (<see cref="RecoverAsync"/>).
/// </summary>
public sealed partial class Deployer
{
    private readonly DeployStore store;
    private readonly IRouterControl router;
    private readonly RolloutBoard board;
    private readonly ILogger<Deployer> logger;
    private readonly StepRunner steps;
    private readonly Switchover switchover;
    private readonly BlueGreenStrategy blueGreen;
    private readonly CanaryStrategy canary;
    private readonly RollingStrategy rolling;
    private readonly ServerDrain drains;

    /// <param name="pullCredentials">The stored registry login for an image reference (null: pull anonymously).</param>
    public Deployer(IContainerEngine docker, DeployStore store, IRouterControl router, RolloutBoard board, ILogger<Deployer> logger, Func<string, RegistryCredentials?>? pullCredentials = null)
    {
        this.store = store;
        this.router = router;
        this.board = board;
        this.logger = logger;
        steps = new StepRunner(docker, store, router, logger) { PullCredentials = pullCredentials };
        switchover = new Switchover(steps);
        blueGreen = new BlueGreenStrategy(steps, switchover);
        canary = new CanaryStrategy(steps, switchover, board);
        rolling = new RollingStrategy(steps, switchover, board);
        drains = new ServerDrain(steps, switchover);
    }

    private ReleaseContainers Containers => steps.Containers;

    /// <summary>
    /// Steps: 1. validate; 2. take the service's lock; then the strategy: blue-green and canary
    /// prepare the idle colour (resolve, start, healthy, release task, smoke) and then hold,
    /// switch or step through the canary's shares; rolling replaces the replicas a batch at a time.
    /// </summary>
    public async Task<DeployOutcome> DeployAsync(string service, string image, string author, DeployOptions options, DeployProgress progress, CancellationToken ct)
    {
        // Step 1
        if (Definition(service, out var yaml) is not { } def) return DeployOutcome.Fail(UnknownService(service), failure: DeployFailure.NotFound);
        if (!ImageReference.IsValid(image, out var imageError)) return DeployOutcome.Fail(imageError, failure: DeployFailure.BadInput);
        if (options.Strategy == Strategy.Rolling && (options.MaxSurge ?? def.Rolling.MaxSurge) + (options.MaxUnavailable ?? def.Rolling.MaxUnavailable) == 0)
            return DeployOutcome.Fail("Max surge and max unavailable cannot both be 0: no batch could start.", failure: DeployFailure.BadInput);
        if (OtherRepository(def, image, options) is { } refusal) return DeployOutcome.Fail(refusal, failure: DeployFailure.BadInput);
        var live = router.Live(service);
        var color = live?.Name == "blue" ? "green" : "blue";
        if (DrainedRefusal(def, color) is { } drained) return DeployOutcome.Fail(drained, failure: DeployFailure.Conflict);
        // Containers a failed deploy left on a server that could not be reached then: gone now if it answers.
        await SweepAsync([service], ct).ConfigureAwait(false);
        var kind = options.Strategy switch { Strategy.Canary => "canary", Strategy.Rolling => "rolling", _ => "deploy" };
        var (id, release) = store.BeginDeployment(service, kind, image, null, color, author, yaml);

        // Step 2
        if (!steps.TryLock(service, id, author, out var refused)) return DeployOutcome.Fail(refused, id, DeployFailure.Conflict);
        if (Refused(service, id, DrainedRefusal(def, color)) is { } late) return late;
        var run = new Run { Id = id, Def = def, Release = release, Color = color, Image = image, Watch = options.Watch ?? def.Watch };
        var overrides = options.Watch is { } w ? $", watch {Contracts.Durations.Format(w)}" : "";
        progress("step", $"Deployment #{id}: {image} to {service} as {color} (release {release}{(options.Strategy == Strategy.BlueGreen ? "" : ", " + DeployOptions.Name(options.Strategy))}{overrides})");
        return await GuardAsync(run, live is not null, "deployment", progress, ct, () => options.Strategy switch
        {
            Strategy.Rolling when live is not null => rolling.RunAsync(run, options, progress, ct),
            Strategy.Canary => canary.RunAsync(run, options, live is not null, progress, ct),
            _ => blueGreen.RunAsync(run, options.Hold, live is not null, progress, ct),
        }).ConfigureAwait(false);
    }

    /// <summary>Switches a held deployment in (then watches it), or tells a running canary or rolling deployment to finish now.</summary>
    public async Task<DeployOutcome> PromoteAsync(string service, string author, DeployProgress progress, CancellationToken ct)
    {
        if (board.Find(service) is { } rollout) return await RolloutBoard.CommandAsync(rollout, RolloutCommand.Promote, author, store, progress).ConfigureAwait(false);
        if (await blueGreen.HeldRunAsync(service, ct).ConfigureAwait(false) is not { } run) return DeployOutcome.Fail(NothingHeld(service), failure: DeployFailure.Conflict);
        store.FinishDeployment(run.Id, Outcomes.Running, $"Promoted by {author}");
        progress("step", $"Promoting deployment #{run.Id} ({run.Image}, {run.Color})");
        return await GuardAsync(run, true, "promote", progress, ct, () => switchover.RunAsync(run, progress, ct)).ConfigureAwait(false);
    }

    /// <summary>Discards a held deployment, or rolls back a running canary or rolling one now.</summary>
    public async Task<DeployOutcome> AbortAsync(string service, string author, DeployProgress progress, CancellationToken ct)
    {
        if (board.Find(service) is { } rollout) return await RolloutBoard.CommandAsync(rollout, RolloutCommand.Abort, author, store, progress).ConfigureAwait(false);
        return await blueGreen.AbortAsync(service, author, progress, ct).ConfigureAwait(false);
    }

    /// <summary>
    /// Back to the previous release (or <paramref name="to"/>): instant while its stopped containers
    /// are kept (they are started again), else recreated from the pinned image; then watched like a deploy.
    /// </summary>
    public async Task<DeployOutcome> RollbackAsync(string service, string? to, string author, DeployProgress progress, CancellationToken ct)
    {
        if (Definition(service, out _) is null)
        {
            return DeployOutcome.Fail(store.Succeeded(service, 1).Count > 0
                ? $"{service} was deployed with --target (endpoints started elsewhere), which Baton cannot start again; deploy its previous targets with `baton deploy {service} --target HOST:PORT`."
                : UnknownService(service), failure: DeployFailure.NotFound);
        }
        var listed = await Containers.ListAsync(service, ct).ConfigureAwait(false);
        if (!listed.TryGetValue(out var all, out var dockerError)) return DeployOutcome.Fail(dockerError.Message);
        var liveRelease = steps.LiveRelease(service, all);
        var releases = store.Succeeded(service, 200).DistinctBy(d => d.Release).ToList();
        DeploymentRecord? target = to is null
            ? releases.FirstOrDefault(d => d.Release != liveRelease)
            : releases.FirstOrDefault(d => d.Release == to);
        if (target is null)
        {
            return DeployOutcome.Fail(to is null
                ? $"{service} has no earlier release to roll back to."
                : $"Release {to} of {service} is unknown or never went live; `baton history {service}` lists the releases.", failure: to is null ? DeployFailure.Conflict : DeployFailure.BadInput);
        }
        if (target.Release == liveRelease) return DeployOutcome.Fail($"Release {target.Release} is already live on {service}.", failure: DeployFailure.Conflict);

        var yaml = store.DefinitionOf(target.Id) ?? store.GetService(service)!;
        var def = ServiceFileParser.Parse(yaml).Definition ?? Definition(service, out _)!;
        var kept = all.Where(c => c.Release == target.Release && c.Role == ContainerLabels.Web).ToList();
        bool instant = kept.Count > 0 && kept.Count == def.WebCount(kept[0].Color ?? "blue") && kept.All(c => c.Target is not null);
        var live = router.Live(service);
        var color = instant ? kept[0].Color ?? "blue" : live?.Name == "blue" ? "green" : "blue";
        if (DrainedRefusal(def, color) is { } drained) return DeployOutcome.Fail(drained, failure: DeployFailure.Conflict);
        var (id, _) = store.BeginDeployment(service, "rollback", target.Image, target.Digest, color, author, yaml, target.Release);
        if (!steps.TryLock(service, id, author, out var refused)) return DeployOutcome.Fail(refused, id, DeployFailure.Conflict);
        if (Refused(service, id, DrainedRefusal(def, color)) is { } late) return late;

        var run = new Run { Id = id, Def = def, Release = target.Release, Color = color, Image = target.Image, Reused = instant, Pinned = target.Digest ?? target.Image, Watch = def.Watch };
        progress("step", $"Rolling {service} back to {target.Release} ({target.Image}){(instant ? ", from its kept containers" : ", recreating its containers")}");
        return await GuardAsync(run, live is not null, "rollback", progress, ct, async () =>
        {
            var failure = instant
                ? await steps.StepAsync(run, "restart", progress, async () =>
                {
                    run.Web = kept;
                    run.StartedAt = DateTimeOffset.UtcNow;
                    var started = await Containers.RestartAsync(kept, ct).ConfigureAwait(false);
                    return started.IsSuccess ? null : $"The kept containers of {target.Release} could not start: {started.Error.Message}";
                }).ConfigureAwait(false)
                : await steps.StepAsync(run, "start", progress, () => steps.StartAsync(run, ct)).ConfigureAwait(false);
            failure ??= await steps.StepAsync(run, "healthy", progress, () => steps.HealthyAsync(run, ct)).ConfigureAwait(false);
            if (failure is not null) return await steps.FailAsync(run, failure, progress, live is not null).ConfigureAwait(false);
            return await switchover.RunAsync(run, progress, ct).ConfigureAwait(false);
        }).ConfigureAwait(false);
    }

    /// <summary>
    /// Runs a strategy: a stop of Baton is reported as such (the next start finishes or rolls the
    /// deployment back); an unexpected error fails the run with its message, never a stack trace.
    /// </summary>
    private async Task<DeployOutcome> GuardAsync(Run run, bool hadLive, string what, DeployProgress progress, CancellationToken ct, Func<Task<DeployOutcome>> body)
    {
        try
        {
            return await body().ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            StepRunner.Stopped(run, progress);
            throw;
        }
        catch (RouterCallException e)
        {
            // A router that could not be reached, or refused a switch the others then undid: its sentence says what serves.
            return await steps.FailAsync(run, e.Message, progress, hadLive).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            LogUnexpected(logger, e, run.Service);
            return await steps.FailAsync(run, $"The {what} stopped on an unexpected error: {e.Message}", progress, hadLive).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Takes an app server out of every pool so that it can be rebooted (see <see cref="ServerDrain"/>);
    /// the caller has marked it drained in the fleet. Refused with a sentence, nothing changed, when a
    /// service on it is being deployed or would be left with an empty pool.
    /// </summary>
    public Task<DeployOutcome> DrainServerAsync(string server, string author, DeployProgress progress, CancellationToken ct) =>
        drains.DrainAsync(server, author, progress, ct);

    /// <summary>Brings a drained server back: its stopped replicas start, get healthy, and rejoin their live pools.</summary>
    public async Task<DeployOutcome> ResumeServerAsync(string server, string author, DeployProgress progress, CancellationToken ct)
    {
        var outcome = await drains.ResumeAsync(server, author, progress, ct).ConfigureAwait(false);
        if (outcome.Ok) await SweepAsync(null, ct).ConfigureAwait(false);
        return outcome;
    }

    /// <summary>Removes containers no release owns, on every engine that answers (see <see cref="OrphanSweep"/>); one line per container removed.</summary>
    public Task<IReadOnlyList<string>> SweepAsync(IEnumerable<string>? services, CancellationToken ct) => new OrphanSweep(steps).RunAsync(services, ct);

    /// <summary>The refusal of a deploy (or rollback) whose colour would need a drained server; null when none does.</summary>
    private string? DrainedRefusal(ServiceDefinition def, string color) =>
        def.Servers is { } placement && steps.Docker is ServerFleet fleet && fleet.FirstDrained(placement.For(color)) is { } name
            ? $"{ServerFleet.DrainedSentence(name)}: {def.Name}'s {color} containers would run there; nothing was started and the live release is untouched."
            : null;

    /// <summary>A refusal found once the lock is held (a drain began meanwhile): recorded, the lock released.</summary>
    private DeployOutcome? Refused(string service, long id, string? refusal)
    {
        if (refusal is null) return null;
        store.FinishDeployment(id, Outcomes.Refused, refusal);
        store.Unlock(service, id);
        return DeployOutcome.Fail(refusal, id, DeployFailure.Conflict);
    }

    /// <summary>At start: finishes or rolls back every deployment a stopped Baton left unfinished (see <see cref="Recovery"/>).</summary>
    public Task RecoverAsync(CancellationToken ct) => new Recovery(steps, switchover).RecoverAsync(ct);

    /// <summary>The service's releases, newest first: live, kept (its containers are there) or gone; or the engine's error.</summary>
    public async Task<DockerResult<IReadOnlyList<ReleaseInfo>>> ReleasesAsync(string service, CancellationToken ct)
    {
        var listed = await Containers.ListAsync(service, ct).ConfigureAwait(false);
        if (!listed.TryGetValue(out var all, out var error)) return error;
        return ReleaseList.Build(store.Succeeded(service, 200), all, steps.LiveRelease(service, all)).ToList();
    }

    /// <summary>Stops (gracefully) and removes every container of a service that is no longer routed.</summary>
    /// <returns>How many containers were removed, or the engine's error.</returns>
    public async Task<DockerResult<int>> RemoveContainersAsync(string service, TimeSpan stopTimeout, CancellationToken ct)
    {
        var listed = await Containers.ListAsync(service, ct).ConfigureAwait(false);
        if (!listed.TryGetValue(out var all, out var error)) return error;
        await Containers.StopAsync(all, stopTimeout, ct).ConfigureAwait(false);
        await Containers.RemoveAsync(all, ct).ConfigureAwait(false);
        return all.Count;
    }

    private ServiceDefinition? Definition(string service, out string yaml)
    {
        yaml = store.GetService(service) ?? "";
        return yaml.Length == 0 ? null : ServiceFileParser.Parse(yaml).Definition;
    }

    /// <summary>An image from another repository than the service's is most likely a slip (a tag of another app): refused unless asked for.</summary>
    private static string? OtherRepository(ServiceDefinition def, string image, DeployOptions options) =>
        options.OtherRepository || string.Equals(ImageReference.Repository(image), def.Image, StringComparison.Ordinal) ? null
            : $"{image} is not from {def.Image}, the repository of {def.Name}'s baton.yml; deploy a tag of {def.Image}, or give --other-repository to deploy it anyway.";

    private static string UnknownService(string service) =>
        $"There is no service named {service}; apply its baton.yml first: baton apply -f baton.yml.";

    internal static string NothingHeld(string service) =>
        $"No deployment of {service} is held; `baton deploy {service} --image REPO:TAG --hold` makes one.";

    [LoggerMessage(EventId = LogEvents.DeployUnexpected, Level = LogLevel.Error, Message = "Deployment of {Service} stopped on an unexpected error")]
    private static partial void LogUnexpected(ILogger logger, Exception e, string service);
}
