using System.Diagnostics;
using Baton.Deploy.Rollouts;
using Baton.Deploy.ServiceFile;
using Baton.Deploy.Store;
using Baton.Docker;
using Microsoft.Extensions.Logging;

namespace Baton.Deploy.BlueGreen;

/// <summary>
/// Blue-green deploys of Docker images: the new release starts in the idle colour beside the live
/// one, and takes the traffic only once healthy, migrated and smoke-tested. Every step is
/// recorded, so a deployment cut short by a crash is finished or rolled back at the next start.
/// </summary>
public sealed partial class BlueGreenDeployer(DockerEngine docker, DeployStore store, IRouterControl router, RolloutBoard board, ILogger<BlueGreenDeployer> logger)
{
    private readonly ReleaseContainers _containers = new(docker);
    /// <summary>The stored registry login for an image reference (null: pull anonymously); set by the server from its registry logins.</summary>
    public Func<string, RegistryCredentials?>? PullCredentials { get; init; }

    private static readonly HttpClient Smoke = new(new SocketsHttpHandler { UseProxy = false, AllowAutoRedirect = false }) { Timeout = TimeSpan.FromSeconds(10) };

    /// <summary>A deployment in progress.</summary>
    private sealed class Run
    {
        public required long Id { get; init; }
        public required ServiceDefinition Def { get; init; }
        public required string Release { get; init; }
        public required string Color { get; init; }
        public required string Image { get; init; }
        public string Pinned { get; set; } = "";
        public IReadOnlyList<ReleaseContainer> Web { get; set; } = [];
        public bool Staged { get; set; }
        /// <summary>Containers that were kept stopped for rollback: stopped again, not removed, if this run fails.</summary>
        public bool Reused { get; init; }
        public string Service => Def.Name;
    }

    /// <summary>
    /// Steps: 1. validate and resolve the image to its digest (pull if missing); 2. take the
    /// service's lock; 3. start the idle colour; 4. wait until healthy; 5. run the release task;
    /// 6. run the smoke checks on the staging route; then hold, or switch, move workers, drain,
    /// stop the old colour and prune old releases. A canary takes over after step 6 (see
    /// <see cref="CanaryAsync"/>); a rolling deploy after step 1 (see <see cref="RollingAsync"/>).
    /// </summary>
    public async Task<DeployOutcome> DeployAsync(string service, string image, string author, DeployOptions options, DeployProgress progress, CancellationToken ct)
    {
        // Step 1
        if (Definition(service, out var yaml) is not { } def) return DeployOutcome.Fail(UnknownService(service), failure: DeployFailure.NotFound);
        if (!ImageReference.IsValid(image, out var imageError)) return DeployOutcome.Fail(imageError, failure: DeployFailure.BadInput);
        if (options.Strategy == Strategy.Rolling && (options.MaxSurge ?? def.Rolling.MaxSurge) + (options.MaxUnavailable ?? def.Rolling.MaxUnavailable) == 0)
            return DeployOutcome.Fail("Max surge and max unavailable cannot both be 0: no batch could start.", failure: DeployFailure.BadInput);
        bool hold = options.Hold;
        var color = router.Live(service)?.Name == "blue" ? "green" : "blue";
        var kind = options.Strategy switch { Strategy.Canary => "canary", Strategy.Rolling => "rolling", _ => "deploy" };
        var id = store.BeginDeployment(service, kind, image, null, color, author, yaml);

        // Step 2
        if (!TryLock(service, id, author, out var refused)) return DeployOutcome.Fail(refused, id, DeployFailure.Conflict);
        var run = new Run { Id = id, Def = def, Release = DeploymentRecord.ReleaseOf(id), Color = color, Image = image };
        progress("step", $"Deployment #{id}: {image} to {service} as {color} (release {run.Release}{(options.Strategy == Strategy.BlueGreen ? "" : ", " + DeployOptions.Name(options.Strategy))})");
        try
        {
            if (options.Strategy == Strategy.Rolling && router.Live(service) is not null)
                return await StepAsync(run, "resolve", progress, () => ResolveAsync(run, progress, ct)) is { } unresolved
                    ? await FailAsync(run, unresolved, progress)
                    : await RollingAsync(run, options, progress, ct);

            var failure = await StepAsync(run, "resolve", progress, () => ResolveAsync(run, progress, ct))
                ?? await StepAsync(run, "start", progress, () => StartAsync(run, ct))
                ?? await StepAsync(run, "healthy", progress, () => HealthyAsync(run, ct))
                ?? (def.ReleaseTask is null ? null : await StepAsync(run, "release-task", progress, () => _containers.RunTaskAsync(def, run.Release, color, image, run.Pinned, ct)))
                ?? (def.Smoke.Count == 0 ? null : await StepAsync(run, "smoke", progress, () => SmokeAsync(run, ct)));
            if (failure is not null) return await FailAsync(run, failure, progress);

            if (hold)
            {
                var (url, host) = router.Staging(service, color);
                var where = host is null ? string.Join(", ", run.Web.Select(w => w.Target)) : $"{url.Scheme}://{host}:{url.Port}/";
                var message = $"Held before the switch: {color} ({image}) is reachable at {where}; `baton promote {service}` switches, `baton abort {service}` discards it.";
                store.FinishDeployment(id, Outcomes.Held, message);
                progress("done", message);
                return new DeployOutcome(true, message, id);
            }
            if (options.Strategy == Strategy.Canary) return await CanaryAsync(run, options, progress, ct);
            return await SwitchAsync(run, progress, ct);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogUnexpected(logger, e, service);
            return await FailAsync(run, $"The deployment stopped on an unexpected error: {e.Message}", progress);
        }
    }

    /// <summary>Switches a held deployment in and finishes it.</summary>
    public async Task<DeployOutcome> PromoteAsync(string service, string author, DeployProgress progress, CancellationToken ct)
    {
        if (board.Find(service) is { } rollout) return await CommandAsync(rollout, RolloutCommand.Promote, author, progress);
        if (await HeldRunAsync(service, ct) is not { } run) return DeployOutcome.Fail(NothingHeld(service), failure: DeployFailure.Conflict);
        store.FinishDeployment(run.Id, Outcomes.Running, $"Promoted by {author}");
        progress("step", $"Promoting deployment #{run.Id} ({run.Image}, {run.Color})");
        return await SwitchAsync(run, progress, ct);
    }

    /// <summary>Discards a held deployment: the candidate is dropped and its containers removed.</summary>
    public async Task<DeployOutcome> AbortAsync(string service, string author, DeployProgress progress, CancellationToken ct)
    {
        if (board.Find(service) is { } rollout) return await CommandAsync(rollout, RolloutCommand.Abort, author, progress);
        if (await HeldRunAsync(service, ct) is not { } run)
        {
            var running = store.GetLock(service);
            return DeployOutcome.Fail(running is null
                ? NothingHeld(service)
                : $"Deployment #{running.DeploymentId} of {service} is still running; only a held deployment can be aborted.", failure: DeployFailure.Conflict);
        }
        router.DropCandidate(service);
        await _containers.RemoveAsync(run.Web, CancellationToken.None);
        var message = $"Aborted by {author}: {run.Color} ({run.Image}) was discarded; the live release was not touched.";
        store.FinishDeployment(run.Id, Outcomes.Aborted, message);
        store.Unlock(service, run.Id);
        progress("done", message);
        return new DeployOutcome(true, message, run.Id);
    }

    /// <summary>
    /// Back to the previous release (or <paramref name="to"/>): instant while its stopped containers
    /// are kept (they are started again), else recreated from the pinned image.
    /// </summary>
    public async Task<DeployOutcome> RollbackAsync(string service, string? to, string author, DeployProgress progress, CancellationToken ct)
    {
        if (Definition(service, out _) is null) return DeployOutcome.Fail(UnknownService(service), failure: DeployFailure.NotFound);
        var listed = await _containers.ListAsync(service, ct);
        if (!listed.TryGetValue(out var all, out var dockerError)) return DeployOutcome.Fail(dockerError.Message);
        var liveRelease = LiveRelease(service, all);
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
        bool instant = kept.Count == def.Replicas && kept.All(c => c.Target is not null);
        var color = instant ? kept[0].Color ?? "blue" : router.Live(service)?.Name == "blue" ? "green" : "blue";
        var id = store.BeginDeployment(service, "rollback", target.Image, target.Digest, color, author, yaml, target.Release);
        if (!TryLock(service, id, author, out var refused)) return DeployOutcome.Fail(refused, id, DeployFailure.Conflict);

        var run = new Run { Id = id, Def = def, Release = target.Release, Color = color, Image = target.Image, Reused = instant, Pinned = target.Digest ?? target.Image };
        progress("step", $"Rolling {service} back to {target.Release} ({target.Image}){(instant ? ", from its kept containers" : ", recreating its containers")}");
        try
        {
            var failure = instant
                ? await StepAsync(run, "restart", progress, async () =>
                {
                    run.Web = kept;
                    var started = await _containers.RestartAsync(kept, ct);
                    return started.IsSuccess ? null : $"The kept containers of {target.Release} could not start: {started.Error.Message}";
                })
                : await StepAsync(run, "start", progress, () => StartAsync(run, ct));
            failure ??= await StepAsync(run, "healthy", progress, () => HealthyAsync(run, ct));
            if (failure is not null) return await FailAsync(run, failure, progress);
            return await SwitchAsync(run, progress, ct);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogUnexpected(logger, e, service);
            return await FailAsync(run, $"The rollback stopped on an unexpected error: {e.Message}", progress);
        }
    }

    /// <summary>The service's releases, newest first: live, kept (its containers are there) or gone; or the engine's error.</summary>
    public async Task<DockerResult<IReadOnlyList<ReleaseInfo>>> ReleasesAsync(string service, CancellationToken ct)
    {
        var listed = await _containers.ListAsync(service, ct);
        if (!listed.TryGetValue(out var all, out var error)) return error;
        return ReleaseList.Build(store.Succeeded(service, 200), all, LiveRelease(service, all)).ToList();
    }

    /// <summary>Stops (gracefully) and removes every container of a service that is no longer routed.</summary>
    /// <returns>How many containers were removed, or the engine's error.</returns>
    public async Task<DockerResult<int>> RemoveContainersAsync(string service, TimeSpan stopTimeout, CancellationToken ct)
    {
        var listed = await _containers.ListAsync(service, ct);
        if (!listed.TryGetValue(out var all, out var error)) return error;
        await _containers.StopAsync(all, stopTimeout, ct);
        await _containers.RemoveAsync(all, ct);
        return all.Count;
    }

    /// <summary>
    /// At start: every deployment left unfinished by a process that died is finished (when the
    /// router already switched to it) or rolled back (otherwise), and its lock released.
    /// </summary>
    public async Task RecoverAsync(CancellationToken ct)
    {
        foreach (var d in store.Unfinished())
        {
            var held = store.GetLock(d.Service);
            if (held is not null && held.Holder == DeployStore.ThisProcess) continue;
            var listed = await _containers.ListAsync(d.Service, ct);
            if (!listed.TryGetValue(out var all, out var error))
            {
                LogRecoveryFailed(logger, d.Id, error.Message);
                continue;
            }
            var yaml = store.DefinitionOf(d.Id) ?? store.GetService(d.Service);
            var def = yaml is null ? null : ServiceFileParser.Parse(yaml).Definition;
            var mine = all.Where(c => c.Release == d.Release).ToList();
            var live = router.Live(d.Service);
            bool switched = live is not null && mine.Any(c => c.Target is not null && live.Targets.Contains(c.Target));
            var lastStep = d.Steps.LastOrDefault()?.Name ?? "start";
            if (switched && d.Kind == "rolling" && live!.Targets.Any(t => all.Any(c => c.Target == t && c.Release != d.Release)))
            {
                // Part of the replicas were replaced: the mixed pool keeps serving, nothing is stopped under it.
                var replaced = mine.Count(c => c.Target is not null && live.Targets.Contains(c.Target));
                store.FinishDeployment(d.Id, Outcomes.Failed, $"Baton stopped during {lastStep} of a rolling deploy; {replaced} of {live.Targets.Count} live replicas run {d.Release} and the rest the release before. Both keep serving: deploy again or `baton rollback {d.Service}`.");
                store.Unlock(d.Service, d.Id);
            }
            else if (switched && def is not null)
            {
                var run = new Run { Id = d.Id, Def = def, Release = d.Release, Color = d.Color ?? "blue", Image = d.Image, Pinned = d.Digest ?? d.Image, Web = mine.Where(c => c.Role == ContainerLabels.Web).ToList() };
                await SwitchAsync(run, (_, _) => { }, ct, $"Finished after a restart of Baton (it had stopped during {lastStep}).");
            }
            else
            {
                router.DropCandidate(d.Service);
                // Kept containers of an interrupted rollback go back to being kept; new ones are removed.
                if (d.Kind == "rollback") await _containers.StopAsync(mine, def?.StopTimeout ?? TimeSpan.FromSeconds(10), ct);
                else await _containers.RemoveAsync(mine, ct);
                // A held deployment had finished its steps: "stopped during healthy" would send the user looking for a crash.
                store.FinishDeployment(d.Id, Outcomes.RolledBack, d.Outcome == Outcomes.Held
                    ? "It was held for promote when Baton stopped; its candidate was discarded at the next start. The live release was not touched."
                    : $"Baton stopped during {lastStep}; rolled back at its next start. The live release was not touched.");
                store.Unlock(d.Service, d.Id); // the finished branch's SwitchAsync has released it already
            }
            LogRecovered(logger, d.Id, d.Service, switched ? "finished" : "rolled back");
        }
        // A lock with no unfinished deployment behind it is stale.
        foreach (var l in store.Locks())
            if (l.Holder != DeployStore.ThisProcess && store.GetDeployment(l.DeploymentId) is not { Outcome: Outcomes.Running or Outcomes.Held })
                store.Unlock(l.Service, l.DeploymentId);
    }

    // --- the steps ---

    private async Task<string?> ResolveAsync(Run run, DeployProgress progress, CancellationToken ct)
    {
        var found = await docker.Images.InspectAsync(run.Image, ct);
        if (!found.IsSuccess && found.Error.Kind == DockerErrorKind.ImageNotFound)
        {
            progress("info", $"{run.Image} is not on this engine; pulling it");
            found = await docker.Images.PullAsync(run.Image, PullCredentials?.Invoke(run.Image), cancellationToken: ct);
            if (!found.IsSuccess)
                return found.Error.Kind == DockerErrorKind.ImageNotFound
                    ? $"Image {run.Image} was not found on the engine nor in its registry; check the repository and tag."
                    // The engine's own sentence usually names the image already ("Could not pull image …").
                    : found.Error.Message.Contains(run.Image, StringComparison.Ordinal) ? found.Error.Message : $"Image {run.Image} could not be pulled: {found.Error.Message}";
        }
        if (!found.TryGetValue(out var info, out var error)) return error.Message;
        var repo = ImageReference.Repository(run.Image);
        run.Pinned = info.RepoDigests.FirstOrDefault(d => d.StartsWith(repo + "@", StringComparison.Ordinal)) ?? info.Id;
        store.UpdateDeployment(run.Id, digest: run.Pinned);
        progress("info", $"Resolved {run.Image} to {Short(run.Pinned)}");
        return null;
    }

    private async Task<string?> StartAsync(Run run, CancellationToken ct)
    {
        // Anything left of this colour's earlier attempt with the same names would collide: names carry the release, so only this release's leftovers can.
        var started = await _containers.StartWebAsync(run.Def, run.Release, run.Color, run.Image, run.Pinned, ct);
        if (!started.TryGetValue(out var web, out var error)) return $"The new containers could not start: {error.Message}";
        run.Web = web;
        return null;
    }

    private async Task<string?> HealthyAsync(Run run, CancellationToken ct)
    {
        var d = run.Def;
        var routes = new RouteSpec(d.Hosts, d.Path, d.Staging, d.Health.Path, d.Health.Interval, d.Health.Timeout, d.Health.Passes, d.Health.Host, d.DrainTimeout);
        run.Staged = true;
        var failure = await router.StageAsync(run.Service, routes, run.Color, run.Web.Select(w => w.Target!).ToList(), d.DeployTimeout, ct);
        if (failure is null) return null;
        run.Staged = false; // the router dropped the candidate itself
        var details = await _containers.DescribeAsync(run.Web, CancellationToken.None);
        // The router's reason repeats the deadline and "the live release was not touched": keep only its targets' answers.
        int open = failure.IndexOf('('), close = failure.LastIndexOf(')');
        var answers = open >= 0 && close > open ? failure[(open + 1)..close] : failure.TrimEnd('.');
        return $"{run.Image} never became healthy within {d.DeployTimeout.TotalSeconds:0} s ({answers}); the live release was not touched.{details}";
    }

    private async Task<string?> SmokeAsync(Run run, CancellationToken ct)
    {
        var (url, host) = router.Staging(run.Service, run.Color);
        foreach (var check in run.Def.Smoke)
        {
            // Through the router's staging route when the service has a host; else straight to the new containers.
            var baseUri = host is null ? new Uri($"http://{run.Web[0].Target}/") : url;
            using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(baseUri, check.Path));
            if (host is not null) request.Headers.Host = host;
            string answer;
            try
            {
                using var response = await Smoke.SendAsync(request, ct);
                var body = await response.Content.ReadAsStringAsync(ct);
                if ((int)response.StatusCode == check.Status && (check.Contains is null || body.Contains(check.Contains, StringComparison.Ordinal))) continue;
                answer = (int)response.StatusCode != check.Status
                    ? $"answered {(int)response.StatusCode}, expected {check.Status}"
                    : $"answered without \"{check.Contains}\" in its body";
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                answer = $"failed: {e.Message}";
            }
            return $"Smoke check GET {check.Path} on {host ?? run.Web[0].Target} {answer}; the live release was not touched.";
        }
        return null;
    }

    /// <summary>
    /// Steps: 1. switch the router; 2. stop the old release's workers, then start the new ones,
    /// so a job never runs on both colours; 3. drain the old pool; 4. stop the old containers,
    /// keeping them for rollback; 5. remove releases beyond the number kept.
    /// </summary>
    /// <param name="recoveredReason">Set when finishing a deployment a stopped Baton left after its switch: the router
    /// already switched, and the history records this reason with the outcome in one write.</param>
    private async Task<DeployOutcome> SwitchAsync(Run run, DeployProgress progress, CancellationToken ct, string? recoveredReason = null, bool switched = false)
    {
        // Step 1
        IDrain? drain = null;
        if (recoveredReason is null && !switched)
            await StepAsync(run, "switch", progress, () => { drain = router.Switch(run.Service); return Task.FromResult<string?>(null); });

        // Step 2
        var listed = await _containers.ListAsync(run.Service, ct);
        var all = listed.IsSuccess ? listed.Value : [];
        if (run.Def.Workers.Count > 0)
        {
            await StepAsync(run, "workers", progress, async () =>
            {
                await _containers.StopAsync(all.Where(c => c.Role == ContainerLabels.Worker && c.Release != run.Release), run.Def.StopTimeout, ct);
                var started = await _containers.StartWorkersAsync(run.Def, run.Release, run.Color, run.Image, run.Pinned, all.Where(c => c.Role == ContainerLabels.Worker && c.Release == run.Release).ToList(), ct);
                if (!started.IsSuccess) progress("info", $"The workers of {run.Release} could not start: {started.Error.Message}");
                return null;
            });
        }

        // Step 3
        if (drain is not null)
        {
            await StepAsync(run, "drain", progress, async () =>
            {
                var cut = await drain.WaitAsync(ct);
                if (cut > 0) progress("info", $"Drain timeout reached: {cut} long-lived request(s) closed");
                return null;
            });
        }

        // Step 4
        var old = all.Where(c => c.Role == ContainerLabels.Web && c.Release != run.Release && c.Running).ToList();
        if (old.Count > 0)
            await StepAsync(run, "stop-old", progress, async () => { await _containers.StopAsync(old, run.Def.StopTimeout, ct); return null; });

        // Step 5
        var keep = all.Where(c => c.Release != run.Release).GroupBy(c => c.Release)
            .OrderByDescending(g => g.Max(c => c.Created)).ToList();
        var prune = keep.Skip(run.Def.Keep).SelectMany(g => g).ToList();
        if (prune.Count > 0)
            await StepAsync(run, "prune", progress, async () => { await _containers.RemoveAsync(prune, ct); return null; });

        var message = $"{run.Service} is live on {run.Color} ({run.Image}, release {run.Release}).";
        store.FinishDeployment(run.Id, Outcomes.Succeeded, recoveredReason);
        store.Unlock(run.Service, run.Id);
        progress("done", message);
        return new DeployOutcome(true, message, run.Id);
    }

    // --- plumbing ---

    private async Task<string?> StepAsync(Run run, string name, DeployProgress progress, Func<Task<string?>> body)
    {
        var step = store.BeginStep(run.Id, name);
        var clock = Stopwatch.StartNew();
        string? failure;
        try
        {
            failure = await body();
        }
        catch (Exception e)
        {
            store.FinishStep(step, "failed", e.Message);
            throw;
        }
        store.FinishStep(step, failure is null ? "ok" : "failed", failure is null ? $"{clock.Elapsed.TotalSeconds:0.0} s" : failure);
        if (failure is null) progress("step", $"{Describe(name)} ({clock.Elapsed.TotalSeconds:0.0} s)");
        return failure;
    }

    private async Task<DeployOutcome> FailAsync(Run run, string reason, DeployProgress progress)
    {
        if (run.Staged) router.DropCandidate(run.Service);
        if (run.Reused) await _containers.StopAsync(run.Web, run.Def.StopTimeout, CancellationToken.None);
        else await _containers.RemoveAsync(run.Web, CancellationToken.None);
        // A failed release task may leave nothing behind; its container is removed by RunTaskAsync.
        store.FinishDeployment(run.Id, Outcomes.Failed, reason);
        store.Unlock(run.Service, run.Id);
        LogFailed(logger, run.Id, run.Service, reason);
        progress("failed", reason);
        return DeployOutcome.Fail(reason, run.Id);
    }

    private bool TryLock(string service, long id, string author, out string refused)
    {
        refused = "";
        if (store.TryLock(service, id, author) is not { } holder) return true;
        var ago = (int)(DateTimeOffset.UtcNow - holder.Since).TotalSeconds;
        refused = $"Deployment #{holder.DeploymentId} of {service} by {holder.Author} holds the lock since {holder.Since:HH:mm:ss} UTC ({ago} s ago); wait for it to finish{(store.GetDeployment(holder.DeploymentId)?.Outcome == Outcomes.Held ? $", or `baton promote {service}` / `baton abort {service}` it" : "")}.";
        store.FinishDeployment(id, Outcomes.Refused, refused);
        return false;
    }

    private async Task<Run?> HeldRunAsync(string service, CancellationToken ct)
    {
        var d = store.Unfinished().FirstOrDefault(x => x.Service == service && x.Outcome == Outcomes.Held);
        if (d is null) return null;
        var def = ServiceFileParser.Parse(store.DefinitionOf(d.Id) ?? "").Definition;
        if (def is null) return null;
        var listed = await _containers.ListAsync(service, ct);
        var web = listed.IsSuccess ? listed.Value.Where(c => c.Release == d.Release && c.Role == ContainerLabels.Web).ToList() : [];
        return new Run { Id = d.Id, Def = def, Release = d.Release, Color = d.Color ?? "green", Image = d.Image, Pinned = d.Digest ?? d.Image, Web = web, Staged = true };
    }

    private string? LiveRelease(string service, IReadOnlyList<ReleaseContainer> all)
    {
        var live = router.Live(service);
        return live is null ? null : all.FirstOrDefault(c => c.Target is not null && live.Targets.Contains(c.Target))?.Release;
    }

    private ServiceDefinition? Definition(string service, out string yaml)
    {
        yaml = store.GetService(service) ?? "";
        return yaml.Length == 0 ? null : ServiceFileParser.Parse(yaml).Definition;
    }

    private static string UnknownService(string service) =>
        $"There is no service named {service}; apply its baton.yml first: baton apply -f baton.yml.";

    private static string NothingHeld(string service) =>
        $"No deployment of {service} is held; `baton deploy {service} --image REPO:TAG --hold` makes one.";

    private static string Short(string pinned) => pinned.Length > 30 ? pinned[..30] + "…" : pinned;

    private static string Describe(string step) => step switch
    {
        "resolve" => "Image resolved",
        "start" => "Containers started",
        "restart" => "Kept containers started",
        "healthy" => "Healthy",
        "release-task" => "Release task succeeded",
        "smoke" => "Smoke checks passed",
        "switch" => "Switched: the new release takes the traffic",
        "workers" => "Workers moved to the new release",
        "drain" => "Old release drained",
        "stop-old" => "Old containers stopped (kept for rollback)",
        "prune" => "Old releases removed",
        _ => step,
    };

    [LoggerMessage(EventId = LogEvents.DeployFailed, Level = LogLevel.Warning, Message = "Deployment #{Id} of {Service} failed: {Reason}")]
    private static partial void LogFailed(ILogger logger, long id, string service, string reason);

    [LoggerMessage(EventId = LogEvents.DeployUnexpected, Level = LogLevel.Error, Message = "Deployment of {Service} stopped on an unexpected error")]
    private static partial void LogUnexpected(ILogger logger, Exception e, string service);

    [LoggerMessage(EventId = LogEvents.Recovered, Level = LogLevel.Information, Message = "Deployment #{Id} of {Service} left by a stopped Baton was {What}")]
    private static partial void LogRecovered(ILogger logger, long id, string service, string what);

    [LoggerMessage(EventId = LogEvents.RecoveryFailed, Level = LogLevel.Warning, Message = "Could not recover deployment #{Id}: {Reason}")]
    private static partial void LogRecoveryFailed(ILogger logger, long id, string reason);
}
