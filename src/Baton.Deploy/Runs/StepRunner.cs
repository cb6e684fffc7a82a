using System.Diagnostics;
using Baton.Deploy.Rollouts;
using Baton.Deploy.ServiceFile;
using Baton.Deploy.Store;
using Baton.Deploy.Servers;
using Baton.Docker;
using Microsoft.Extensions.Logging;

namespace Baton.Deploy.Runs;

/// <summary>
/// The steps every strategy is made of, each recorded in the history as it runs: resolve, start,
/// healthy, release task, smoke, switch, watch, workers, drain, stop, prune. A strategy decides
/// their order and what comes between (a hold, canary shares, rolling batches).
/// </summary>
internal sealed partial class StepRunner(IContainerEngine docker, DeployStore store, IRouterControl router, ILogger logger)
{
    private static readonly HttpClient Smoke = new(new SocketsHttpHandler { UseProxy = false, AllowAutoRedirect = false }) { Timeout = TimeSpan.FromSeconds(10) };

    public ReleaseContainers Containers { get; } = new(docker);
    public DeployStore Store => store;
    public IRouterControl Router => router;
    public IContainerEngine Docker => docker;
    public ILogger Logger => logger;
    public Func<string, RegistryCredentials?>? PullCredentials { get; init; }

    /// <summary>Runs one step and records it: its time when it passes, its reason when it fails.</summary>
    /// <param name="passed">What the history adds after the step's duration when it passed (the watch: the numbers it judged last); null: nothing.</param>
    public async Task<string?> StepAsync(Run run, string name, DeployProgress progress, Func<Task<string?>> body, Func<string?>? passed = null)
    {
        var step = store.BeginStep(run.Id, name);
        run.Step = name;
        var clock = Stopwatch.StartNew();
        string? failure;
        try
        {
            failure = await body().ConfigureAwait(false);
        }
        catch (Exception e)
        {
            store.FinishStep(step, e is OperationCanceledException ? "stopped" : "failed", e is OperationCanceledException ? "Baton stopped" : e.Message);
            throw;
        }
        store.FinishStep(step, failure is null ? "ok" : "failed", failure is null ? $"{clock.Elapsed.TotalSeconds:0.0} s{(passed?.Invoke() is { } note ? $"; {note}" : "")}" : failure);
        if (failure is null) progress("step", $"{Describe(name)} ({clock.Elapsed.TotalSeconds:0.0} s)");
        return failure;
    }

    /// <summary>
    /// Steps: 1. resolve the image to its digest (pull if missing); 2. start the new containers;
    /// 3. wait until healthy; 4. run the release task; 5. run the smoke checks on the staging route.
    /// </summary>
    /// <returns>Null when the release is ready to take traffic, else why not.</returns>
    public async Task<string?> PrepareAsync(Run run, DeployProgress progress, CancellationToken ct)
    {
        var def = run.Def;
        return await StepAsync(run, "resolve", progress, () => ResolveAsync(run, progress, ct)).ConfigureAwait(false)
            ?? await StepAsync(run, "start", progress, () => StartAsync(run, ct)).ConfigureAwait(false)
            ?? await StepAsync(run, "healthy", progress, () => HealthyAsync(run, ct)).ConfigureAwait(false)
            ?? (def.ReleaseTask is null ? null : await StepAsync(run, "release-task", progress, () => Containers.RunTaskAsync(def, run.Release, run.Color, run.Image, run.Pinned, ct)).ConfigureAwait(false))
            ?? (def.Smoke.Count == 0 ? null : await StepAsync(run, "smoke", progress, () => SmokeAsync(run, ct)).ConfigureAwait(false));
    }

    /// <param name="reference">What to inspect (and pull if missing); null: the run's image. A move of the live release gives its pinned image, so that a tag moved since cannot change what runs.</param>
    public async Task<string?> ResolveAsync(Run run, DeployProgress progress, CancellationToken ct, string? reference = null)
    {
        var image = reference ?? run.Image;
        // The service's own engines: its servers', or this machine's.
        var engine = docker;
        if (docker is ServerFleet fleet)
        {
            if (!fleet.For(run.Def.Servers).TryGetValue(out var scoped, out var unknown)) return unknown.Message;
            engine = scoped;
        }
        else if (run.Def.Servers is { } servers) return ServerFleet.Unknown(servers.All[0]).Message;
        if (run.Def.Network is { } network && await engine.NetworkExistsAsync(network, ct).ConfigureAwait(false) is { IsSuccess: false } missing)
            return missing.Error!.Message;
        var found = await engine.Images.InspectAsync(image, ct).ConfigureAwait(false);
        if (!found.IsSuccess && found.Error.Kind == DockerErrorKind.ImageNotFound)
        {
            progress("info", $"{image} is not on {(run.Def.Servers is null ? "this engine" : engine.Description)}; pulling it");
            found = await engine.Images.PullAsync(image, PullCredentials?.Invoke(image), cancellationToken: ct).ConfigureAwait(false);
            if (!found.IsSuccess)
                return found.Error.Kind == DockerErrorKind.ImageNotFound
                    ? $"Image {image} was not found on the engine nor in its registry; check the repository and tag."
                    // The engine's own sentence usually names the image already ("Could not pull image …").
                    : found.Error.Message.Contains(image, StringComparison.Ordinal) ? found.Error.Message : $"Image {image} could not be pulled: {found.Error.Message}";
        }
        if (!found.TryGetValue(out var info, out var error)) return error.Message;
        var repo = ImageReference.Repository(image);
        run.Pinned = info.RepoDigests.FirstOrDefault(d => d.StartsWith(repo + "@", StringComparison.Ordinal)) ?? info.Id;
        run.ExposedPorts = info.ExposedPorts;
        if (run.Def.Mode == TargetMode.Publish && run.Def.ContainerPort is null)
        {
            if (info.ExposedPorts.Count > 1)
                return $"{image} declares ports {string.Join(", ", info.ExposedPorts)} (EXPOSE): say which one serves HTTP with target.port in the service file.";
            run.Def = run.Def with { ContainerPort = info.ExposedPorts.Count == 1 ? info.ExposedPorts[0] : ServiceDefinition.DefaultContainerPort };
            progress("info", info.ExposedPorts.Count == 1
                ? $"The app's port inside its container: {run.Def.ContainerPort} (the image's EXPOSE)"
                : $"The image declares no port (EXPOSE): the app is expected on port {run.Def.ContainerPort} inside its container (${run.Def.PortEnv} says so)");
        }
        store.UpdateDeployment(run.Id, digest: run.Pinned);
        progress("info", $"Resolved {run.Image} to {run.Pinned}");
        return null;
    }

    public async Task<string?> StartAsync(Run run, CancellationToken ct)
    {
        run.StartedAt = DateTimeOffset.UtcNow;
        var started = await Containers.StartWebAsync(run.Def, run.Release, run.Color, run.Image, run.Pinned, ct).ConfigureAwait(false);
        if (!started.TryGetValue(out var web, out var error))
        {
            // A server lost mid-call may have made a container it could not say so about: the orphan sweep finds it by label.
            var after = error.Kind == DockerErrorKind.EngineUnreachable
                ? " What was started there is removed once the server answers again (the next deploy, `baton host check` or a start of Baton)."
                : "";
            return $"The new containers could not start: {error.Message.TrimEnd('.')}.{after}";
        }
        run.Web = web;
        return null;
    }

    /// <summary>
    /// Stages the run's containers as the router's candidate and waits until they pass their health
    /// checks. A container that exits or restarts meanwhile fails the step at once, with its exit
    /// code and last log lines; in host mode each port must be held by its own container.
    /// </summary>
    public async Task<string?> HealthyAsync(Run run, CancellationToken ct)
    {
        var d = run.Def;
        run.Staged = true;
        using var watchStop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        using var stageStop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var exits = ExitWatch.StartAsync(docker, run.Service, run.Web, run.StartedAt, watchStop.Token);
        string? engineVerdict = null;
        var stage = d.Healthcheck is null
            ? router.StageAsync(run.Service, Routes(d), run.Color, run.Targets, d.DeployTimeout, stageStop.Token, release: run.Release)
            : EngineThenRouterAsync(run, verdict => engineVerdict = verdict, stageStop.Token);
        // An exit ends the wait at once: the router would only say "connection refused" at the deadline.
        if (await Task.WhenAny(stage, exits).ConfigureAwait(false) == exits && await exits.ConfigureAwait(false) is not null)
            await stageStop.CancelAsync().ConfigureAwait(false);
        var failure = await stage.ConfigureAwait(false);
        ct.ThrowIfCancellationRequested(); // Baton is stopping: not a verdict on the release
        var exit = await ExitWatch.StopAsync(exits, watchStop).ConfigureAwait(false);
        if (exit is not null)
        {
            if (failure is null) router.DropCandidate(run.Service);
            run.Staged = false;
            return $"{run.Image} did not start: {exit}.{await Containers.DescribeAsync(run.Web, CancellationToken.None).ConfigureAwait(false)}";
        }
        if (failure is null && d.Mode == TargetMode.Host && await Containers.PortsHeldAsync(run.Web, ct).ConfigureAwait(false) is { } taken)
        {
            router.DropCandidate(run.Service);
            run.Staged = false;
            return $"{run.Image} cannot be trusted healthy: {taken}.{await Containers.DescribeAsync(run.Web, CancellationToken.None).ConfigureAwait(false)}";
        }
        if (failure is null) return null;
        run.Staged = false; // the router dropped the candidate itself, or never had it (the engine's check failed first)
        var details = await Containers.DescribeAsync(run.Web, CancellationToken.None).ConfigureAwait(false);
        if (engineVerdict is not null) return $"{run.Image} did not become healthy: {engineVerdict}.{details}";
        // The router's reason repeats the deadline and "the live release was not touched": keep only its targets' answers.
        int open = failure.IndexOf('(', StringComparison.Ordinal), close = failure.LastIndexOf(')');
        var answers = open >= 0 && close > open ? failure[(open + 1)..close] : failure.TrimEnd('.');
        return $"{run.Image} never became healthy within {d.DeployTimeout.TotalSeconds:0} s ({answers}).{FixedPortHint(run, answers)}{details}";
    }

    /// <summary>
    /// With <c>healthcheck:</c>, the engine's check gates first (within the deploy timeout), then the
    /// router's probes take the rest of it. An engine verdict goes to <paramref name="engineFailed"/>
    /// and is returned as the failure too; the router has no candidate then.
    /// </summary>
    private async Task<string?> EngineThenRouterAsync(Run run, Action<string> engineFailed, CancellationToken ct)
    {
        var d = run.Def;
        var clock = Stopwatch.StartNew();
        if (await Containers.EngineHealthyAsync(run.Web, d.DeployTimeout, TimeProvider.System, ct).ConfigureAwait(false) is { } engine)
        {
            engineFailed(engine);
            return engine;
        }
        var left = d.DeployTimeout - clock.Elapsed;
        return await router.StageAsync(run.Service, Routes(d), run.Color, run.Targets, left > TimeSpan.FromSeconds(1) ? left : TimeSpan.FromSeconds(1), ct, release: run.Release).ConfigureAwait(false);
    }

    /// <summary>The first line of an answer's body (at most 120 characters), to say who answered: the app, or the router ("No service is routed for …").</summary>
    internal static string Excerpt(string body)
    {
        var line = body.Split('\n', 2)[0].Trim();
        if (line.Length == 0) return "";
        return $" (\"{(line.Length > 120 ? line[..120] + "…" : line)}\")";
    }

    /// <summary>
    /// A host-mode container refused the port Baton gave it, and its image declares another
    /// (<c>EXPOSE 8000</c>): it most likely listens on that fixed port and ignores the port variable.
    /// </summary>
    internal static string FixedPortHint(Run run, string answers)
    {
        var d = run.Def;
        if (d.Mode != TargetMode.Host || run.ExposedPorts.Count == 0 || !answers.Contains("connection refused", StringComparison.Ordinal)) return "";
        var given = run.Web.Select(w => w.Target is { } t && int.TryParse(t[(t.LastIndexOf(':') + 1)..], out var p) ? p : 0).ToHashSet();
        if (run.ExposedPorts.Any(given.Contains)) return "";
        var port = run.ExposedPorts[0];
        return $" The image declares port {port} (EXPOSE) but host mode gives the app its port in ${d.PortEnv}, and nothing listened there: make the app listen on ${d.PortEnv}, or use the default target mode (remove target.mode: host; the app keeps its port {port}).";
    }

    public async Task<string?> SmokeAsync(Run run, CancellationToken ct)
    {
        var (url, staging) = router.Staging(run.Service, run.Color);
        // Through the router's staging listener when the service has a staging host and the router
        // a staging listener; else straight to the new containers.
        var host = url is null ? null : staging;
        foreach (var check in run.Def.Smoke)
        {
            var baseUri = host is null ? new Uri($"http://{run.Web[0].Target}/") : url!;
            using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(baseUri, check.Path));
            if (host is not null) request.Headers.Host = host;
            string answer;
            try
            {
                using var response = await Smoke.SendAsync(request, ct).ConfigureAwait(false);
                var body = await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false);
                if ((int)response.StatusCode == check.Status && (check.Contains is null || body.Contains(check.Contains, StringComparison.Ordinal))) continue;
                answer = (int)response.StatusCode != check.Status
                    ? $"answered {(int)response.StatusCode}, expected {check.Status}{Excerpt(body)}"
                    : $"answered without \"{check.Contains}\" in its body";
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
            {
                answer = $"failed: {e.Message}";
            }
            return $"Smoke check GET {check.Path} on {host ?? run.Web[0].Target} {answer}.";
        }
        return null;
    }

    /// <summary>How users reach the service and how its targets are checked, from its definition.</summary>
    public static RouteSpec Routes(ServiceDefinition d) =>
        new(d.Hosts, d.Path, d.Staging, d.Health.Path, d.Health.Interval, d.Health.Timeout, d.Health.Passes, d.Health.Host, d.DrainTimeout, d.TargetTimeout, d.Tls);

    /// <summary>
    /// Ends a run that failed before its release took traffic: the candidate dropped, its new
    /// containers removed (kept ones stopped again), the failure recorded and the lock released.
    /// </summary>
    /// <param name="hadLive">The service had a live release when the run began (so it can say that release was not touched).</param>
    public async Task<DeployOutcome> FailAsync(Run run, string reason, DeployProgress progress, bool hadLive)
    {
        if (run.Staged) router.DropCandidate(run.Service);
        IReadOnlyList<(ReleaseContainer Container, DockerError Error)> left = [];
        if (run.Reused) await Containers.StopAsync(run.Web, run.Def.StopTimeout, CancellationToken.None).ConfigureAwait(false);
        else left = await Containers.RemoveReportingAsync(run.Web, CancellationToken.None).ConfigureAwait(false);
        reason = WithSentence(WithLiveNote(reason, hadLive), Leftovers(left));
        store.FinishDeployment(run.Id, Outcomes.Failed, reason);
        store.Unlock(run.Service, run.Id);
        LogFailed(logger, run.Id, run.Service, reason);
        progress("failed", reason);
        return DeployOutcome.Fail(reason, run.Id);
    }

    /// <summary>Appends "the live release was not touched" to a failure's first sentence when there was one (before any log lines).</summary>
    public static string WithLiveNote(string reason, bool hadLive)
    {
        if (!hadLive) return reason;
        int logs = reason.IndexOf('\n', StringComparison.Ordinal);
        var head = logs < 0 ? reason : reason[..logs];
        var tail = logs < 0 ? "" : reason[logs..];
        return $"{head.TrimEnd().TrimEnd('.')}; the live release was not touched.{tail}";
    }

    /// <summary>
    /// What a failed run could not remove, per server: a server that cannot be reached keeps them
    /// until it answers again, when the orphan sweep (<see cref="OrphanSweep"/>) removes them.
    /// </summary>
    internal static string? Leftovers(IReadOnlyList<(ReleaseContainer Container, DockerError Error)> left)
    {
        if (left.Count == 0) return null;
        return string.Join(" ", left.GroupBy(l => ServerFleet.ServerOf(l.Container.Id)).Select(g =>
        {
            var where = g.Key.Length == 0 ? "this machine's engine" : $"server {g.Key}";
            var when = g.Key.Length == 0 ? "the next deploy or start of Baton" : $"the next deploy, `baton host check {g.Key}` or a start of Baton";
            return $"{g.Count()} new container(s) on {where} could not be removed ({g.First().Error.Message.TrimEnd('.')}); they are removed once the server answers again ({when}).";
        }));
    }

    /// <summary>Adds a sentence after a reason's first line (before any log lines).</summary>
    internal static string WithSentence(string reason, string? sentence)
    {
        if (sentence is null) return reason;
        int logs = reason.IndexOf('\n', StringComparison.Ordinal);
        return logs < 0 ? $"{reason} {sentence}" : $"{reason[..logs]} {sentence}{reason[logs..]}";
    }

    /// <summary>Ends a run that a stop of Baton cut short: the next start finishes or rolls it back.</summary>
    public static void Stopped(Run run, DeployProgress progress) =>
        progress("stopped", $"Baton stopped during {(run.Step.Length == 0 ? "its first step" : run.Step)}; the deployment is finished or rolled back when Baton starts again, and `baton history {run.Service}` shows how.");

    public bool TryLock(string service, long id, string author, out string refused)
    {
        refused = "";
        if (store.TryLock(service, id, author) is not { } holder) return true;
        var ago = (int)(DateTimeOffset.UtcNow - holder.Since).TotalSeconds;
        refused = $"Deployment #{holder.DeploymentId} of {service} by {holder.Author} holds the lock since {holder.Since:HH:mm:ss} UTC ({ago} s ago); wait for it to finish{(store.GetDeployment(holder.DeploymentId)?.Outcome == Outcomes.Held ? $", or `baton promote {service}` / `baton abort {service}` it" : "")}.";
        store.FinishDeployment(id, Outcomes.Refused, refused);
        return false;
    }

    /// <summary>The release whose containers the router's live pool reaches, if any.</summary>
    public string? LiveRelease(string service, IReadOnlyList<ReleaseContainer> all)
    {
        var live = router.Live(service);
        return live is null ? null : all.FirstOrDefault(c => c.Target is not null && live.Targets.Contains(c.Target))?.Release;
    }

    public static string Describe(string step) => step switch
    {
        "resolve" => "Image resolved",
        "start" => "Containers started",
        "restart" => "Kept containers started",
        "healthy" => "Healthy",
        "release-task" => "Release task succeeded",
        "smoke" => "Smoke checks passed",
        "switch" => "Switched: the new release takes the traffic",
        "watch" => "Watched after the switch: no exit, failed health check or worse numbers",
        "workers" => "Workers moved to the new release",
        "drain" => "Old release drained",
        "stop-old" => "Old containers stopped (kept for rollback)",
        "prune" => "Old releases removed",
        "out" => "Out of the live pool: requests drained, containers stopped (kept)",
        "move-workers" => "Workers stopped there and started on another server",
        "in" => "Back in the live pool",
        _ => step,
    };

    [LoggerMessage(EventId = LogEvents.DeployFailed, Level = LogLevel.Warning, Message = "Deployment #{Id} of {Service} failed: {Reason}")]
    public static partial void LogFailed(ILogger logger, long id, string service, string reason);
}
