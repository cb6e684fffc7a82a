using Baton.Deploy.Runs;
using Baton.Deploy.ServiceFile;
using Baton.Deploy.Store;
using Microsoft.Extensions.Logging;

namespace Baton.Deploy.Servers;

/// <summary>
/// Takes an app server out of every pool (<c>baton host drain</c>) and brings it back
/// (<c>baton host resume</c>). The caller marks the server drained in the fleet first, so no new
/// container goes there meanwhile. Per live service that runs there, one of two ways:
/// <list type="bullet">
/// <item><b>out of the pool</b>, when the live release has replicas on other servers too (every colour
/// on each server): the server's targets leave the live pool in one route-table update, their
/// requests drain, and its containers stop, kept for resume; resume starts them again, waits until
/// healthy as a candidate, and merges them back in.</item>
/// <item><b>move</b>, when the live release runs only there (the seed's layout): the same release
/// (its pinned image) starts on the other colour's servers and is switched to as a blue-green
/// deploy, so the drained server holds only the idle colour; resume needs no switch back.</item>
/// </list>
/// Workers never run twice: those on the server stop before they start elsewhere.
/// </summary>
internal sealed partial class ServerDrain(StepRunner steps, Switchover switchover)
{
    private enum Way { Pool, Move }

    /// <summary>What draining does to one service, decided before anything changes.</summary>
    private sealed record Plan(string Service, ServiceDefinition Def, string? Yaml, Way Way, string LiveColor, DeploymentRecord Live,
        IReadOnlyList<ReleaseContainer> Web, IReadOnlyList<ReleaseContainer> Workers, IReadOnlyList<ReleaseContainer> All, int Rest);

    /// <summary>
    /// Steps: 1. plan every service that serves from the server, refusing with a sentence (nothing
    /// changed) when one is being deployed or would be left with an empty pool; 2. drain them one by
    /// one; 3. when one fails, put the pools drained so far back as they were.
    /// </summary>
    public async Task<DeployOutcome> DrainAsync(string server, string author, DeployProgress progress, CancellationToken ct)
    {
        // Step 1
        var (plans, refusal) = await PlanAsync(server, ct).ConfigureAwait(false);
        if (refusal is not null) return DeployOutcome.Fail(refusal, failure: DeployFailure.Conflict);
        var lines = new List<string>();
        var done = new List<Plan>();
        var inner = Inner(progress);

        // Step 2
        foreach (var plan in plans)
        {
            var outcome = await GuardAsync(plan.Service, () => plan.Way == Way.Pool
                ? OutOfPoolAsync(plan, server, author, inner, ct)
                : MoveAsync(plan, server, author, inner, ct), ct).ConfigureAwait(false);
            if (outcome.Ok)
            {
                done.Add(plan);
                lines.Add(outcome.Message);
                continue;
            }

            // Step 3
            var undone = new List<string>();
            foreach (var back in done.Where(p => p.Way == Way.Pool))
            {
                var resumed = await GuardAsync(back.Service, () => BackInAsync(back.Service, server, author, inner, ct), ct).ConfigureAwait(false);
                undone.Add(resumed.Ok ? $"{back.Service} serves from {server} again" : $"{back.Service} could not be put back ({resumed.Message})");
            }
            var moved = done.Where(p => p.Way == Way.Move).Select(p => p.Service).ToList();
            var message = $"Draining {server} stopped at {plan.Service}: {outcome.Message.TrimEnd('.')}."
                + (undone.Count > 0 ? $" {string.Join("; ", undone)}." : "")
                + (moved.Count > 0 ? $" {string.Join(", ", moved)} stay{(moved.Count == 1 ? "s" : "")} live on the other colour." : "")
                + $" {server} is not drained.";
            LogDrain(steps.Logger, server, message);
            progress("failed", message);
            return DeployOutcome.Fail(message, failure: outcome.Failure == DeployFailure.Conflict ? DeployFailure.Conflict : DeployFailure.Failed);
        }
        lines.Add(plans.Count == 0
            ? $"{server} is drained: no live service served from it; no new container goes there until `baton host resume {server}`."
            : $"{server} is drained: it serves no traffic and gets no new containers; reboot it, then `baton host resume {server}` brings it back.");
        var done1 = string.Join("\n", lines);
        LogDrain(steps.Logger, server, done1);
        progress("done", done1);
        return new DeployOutcome(true, done1);
    }

    /// <summary>
    /// Brings a drained server back: in each service whose live release has stopped replicas there,
    /// they start again, pass their health checks as a candidate, and join the live pool in one update.
    /// A service that moved away at the drain stays where it is (the next deploy uses the server again).
    /// </summary>
    public async Task<DeployOutcome> ResumeAsync(string server, string author, DeployProgress progress, CancellationToken ct)
    {
        if ((steps.Docker as ServerFleet)?.Server(server) is null) return DeployOutcome.Fail(ServerFleet.Unknown(server).Message, failure: DeployFailure.NotFound);
        var lines = new List<string>();
        var inner = Inner(progress);
        foreach (var service in steps.Store.ServiceNames())
        {
            if (steps.Router.Live(service) is null) continue;
            var outcome = await GuardAsync(service, () => BackInAsync(service, server, author, inner, ct), ct).ConfigureAwait(false);
            if (!outcome.Ok)
            {
                var failed = $"Resuming {server} stopped at {service}: {outcome.Message.TrimEnd('.')}. {server} stays drained; `baton host resume {server}` tries again.";
                progress("failed", failed);
                return DeployOutcome.Fail(failed, failure: outcome.Failure);
            }
            if (outcome.Message.Length > 0) lines.Add(outcome.Message);
        }
        lines.Add($"{server} is back: it takes traffic where its replicas are live, and new containers from the next deploy.");
        var message = string.Join("\n", lines);
        progress("done", message);
        return new DeployOutcome(true, message);
    }

    private async Task<(List<Plan> Plans, string? Refusal)> PlanAsync(string server, CancellationToken ct)
    {
        var fleet = steps.Docker as ServerFleet;
        if (fleet?.Server(server) is null) return ([], ServerFleet.Unknown(server).Message);
        var plans = new List<Plan>();
        foreach (var service in steps.Store.ServiceNames())
        {
            if (steps.Router.Live(service) is not { } live) continue;
            var found = await LiveAsync(service, ct).ConfigureAwait(false);
            if (found.Error is { } error) return ([], $"{error}; nothing was drained.");
            if (found.Record is not { } record || found.Def?.Servers is not { } placement || !placement.All.Contains(server)) continue;
            var all = found.All;
            var mine = all.Where(c => ServerFleet.ServerOf(c.Id) == server && c.Release == record.Release).ToList();
            var web = mine.Where(c => c.Role == ContainerLabels.Web && c.Target is not null && live.Targets.Contains(c.Target)).ToList();
            var workers = mine.Where(c => c.Role == ContainerLabels.Worker && c.Running).ToList();
            if (web.Count == 0 && workers.Count == 0) continue;   // only the idle colour (or nothing) there
            if (steps.Store.GetLock(service) is { } held)
                return ([], $"Deployment #{held.DeploymentId} of {service} is running or held; let it finish (or abort it) before draining {server}; nothing was drained.");
            var liveColor = live.Name ?? record.Color ?? "blue";
            int rest = live.Targets.Count(t => web.All(w => w.Target != t));
            if (rest > 0)
            {
                plans.Add(new Plan(service, found.Def, found.Yaml, Way.Pool, liveColor, record, web, workers, all, rest));
                continue;
            }
            var other = liveColor == "blue" ? "green" : "blue";
            var elsewhere = placement.For(other);
            var blocked = elsewhere.Contains(server, StringComparer.Ordinal) ? $"its {other} servers include {server} too"
                : elsewhere.FirstOrDefault(n => fleet.Server(n) is null) is { } unknown ? $"its {other} server {unknown} is not known to this controller"
                : fleet.FirstDrained(elsewhere) is { } drained ? $"its {other} server {drained} is drained too"
                : null;
            if (blocked is not null)
                return ([], $"Draining {server} would leave {service}'s pool empty: its live release runs only there, and {blocked}; nothing was drained.");
            plans.Add(new Plan(service, found.Def, found.Yaml, Way.Move, liveColor, record, web, workers, all, 0));
        }
        return (plans, null);
    }

    /// <summary>The live release of a service: its deployment, the definition it was deployed with, and every container of the service.</summary>
    private async Task<(DeploymentRecord? Record, ServiceDefinition? Def, string? Yaml, IReadOnlyList<ReleaseContainer> All, string? Error)> LiveAsync(string service, CancellationToken ct)
    {
        var listed = await steps.Containers.ListAsync(service, ct).ConfigureAwait(false);
        if (!listed.TryGetValue(out var all, out var error)) return (null, null, null, [], $"The containers of {service} could not be listed ({error.Message.TrimEnd('.')})");
        var release = steps.LiveRelease(service, all);
        var record = release is null ? null : steps.Store.Succeeded(service, 500).FirstOrDefault(d => d.Release == release);
        if (record is null) return (null, null, null, all, null);
        var yaml = steps.Store.DefinitionOf(record.Id) ?? steps.Store.GetService(service);
        return (record, yaml is null ? null : ServiceFileParser.Parse(yaml).Definition, yaml, all, null);
    }

    /// <summary>The server's replicas leave the live pool (their requests drain), then stop, kept; its workers move to another server of the colour.</summary>
    private async Task<DeployOutcome> OutOfPoolAsync(Plan plan, string server, string author, DeployProgress progress, CancellationToken ct)
    {
        var (service, def, record) = (plan.Service, plan.Def, plan.Live);
        var (id, _) = steps.Store.BeginDeployment(service, Kinds.HostDrain, record.Image, record.Digest, plan.LiveColor, author, null, record.Release);
        if (!steps.TryLock(service, id, author, out var refused)) return DeployOutcome.Fail(refused, id, DeployFailure.Conflict);
        return await LockedAsync(service, id, () => OutOfPoolLockedAsync(plan, server, id, progress, ct)).ConfigureAwait(false);
    }

    private async Task<DeployOutcome> OutOfPoolLockedAsync(Plan plan, string server, long id, DeployProgress progress, CancellationToken ct)
    {
        var (service, def, record) = (plan.Service, plan.Def, plan.Live);
        var run = new Run { Id = id, Def = def, Release = record.Release, Color = plan.LiveColor, Image = record.Image, Pinned = record.Digest ?? record.Image, Web = plan.Web };
        progress("step", $"{service}: {server}'s {plan.Web.Count} replica(s) of {record.Release} leave the live pool; {plan.Rest} keep serving");
        if (plan.Web.Count > 0)
        {
            await steps.StepAsync(run, "out", progress, async () =>
            {
                var drain = steps.Router.Merge(service, plan.Web.Select(w => w.Target!).ToList(), addCandidate: false, poolName: null);
                if (drain.Note is { } note) progress("info", note);
                var cut = await drain.WaitAsync(CancellationToken.None).ConfigureAwait(false);
                if (cut > 0) progress("info", $"Drain timeout reached: {cut} long-lived request(s) closed");
                await steps.Containers.StopAsync(plan.Web, def.StopTimeout, CancellationToken.None).ConfigureAwait(false);
                return null;
            }).ConfigureAwait(false);
        }
        string workersNote = "";
        if (plan.Workers.Count > 0)
        {
            await steps.StepAsync(run, "move-workers", progress, async () =>
            {
                // Stopped (and removed: they are made again from the pinned image) before any starts elsewhere.
                await steps.Containers.StopAsync(plan.Workers, def.StopTimeout, CancellationToken.None).ConfigureAwait(false);
                await steps.Containers.RemoveAsync(plan.Workers, CancellationToken.None).ConfigureAwait(false);
                var others = plan.All.Where(c => c.Role == ContainerLabels.Worker && c.Release == record.Release && ServerFleet.ServerOf(c.Id) != server).ToList();
                var started = await steps.Containers.StartWorkersAsync(def, record.Release, plan.LiveColor, record.Image, run.Pinned, others, ct).ConfigureAwait(false);
                workersNote = started.IsSuccess ? $"; its workers moved off {server}" : $"; its workers stopped on {server} but could not start elsewhere ({started.Error.Message.TrimEnd('.')})";
                return null;
            }).ConfigureAwait(false);
        }
        var message = $"{service}: {server}'s {plan.Web.Count} replica(s) of {record.Release} left the live pool and were stopped (kept for resume); {plan.Rest} serve{(plan.Rest == 1 ? "s" : "")} on the other servers{workersNote}.";
        steps.Store.FinishDeployment(id, Outcomes.Succeeded, message);
        steps.Store.Unlock(service, id);
        return new DeployOutcome(true, message, id);
    }

    /// <summary>The live release, by its pinned image, on the other colour's servers, switched to as a blue-green deploy.</summary>
    private async Task<DeployOutcome> MoveAsync(Plan plan, string server, string author, DeployProgress progress, CancellationToken ct)
    {
        var (service, def, record) = (plan.Service, plan.Def, plan.Live);
        var color = plan.LiveColor == "blue" ? "green" : "blue";
        var (id, release) = steps.Store.BeginDeployment(service, Kinds.Move, record.Image, record.Digest, color, author, plan.Yaml);
        if (!steps.TryLock(service, id, author, out var refused)) return DeployOutcome.Fail(refused, id, DeployFailure.Conflict);
        var run = new Run { Id = id, Def = def, Release = release, Color = color, Image = record.Image, Watch = def.Watch };
        progress("step", $"{service}: its live release {record.Release} runs only on {server}; the same image starts on {color} ({string.Join(", ", def.Servers!.For(color))}) as {release} and takes the traffic");
        try
        {
            var failure = await steps.StepAsync(run, "resolve", progress, () => steps.ResolveAsync(run, progress, ct, record.Digest ?? record.Image)).ConfigureAwait(false)
                ?? await steps.StepAsync(run, "start", progress, () => steps.StartAsync(run, ct)).ConfigureAwait(false)
                ?? await steps.StepAsync(run, "healthy", progress, () => steps.HealthyAsync(run, ct)).ConfigureAwait(false)
                ?? (def.Smoke.Count == 0 ? null : await steps.StepAsync(run, "smoke", progress, () => steps.SmokeAsync(run, ct)).ConfigureAwait(false));
            if (failure is not null) return await steps.FailAsync(run, failure, progress, hadLive: true).ConfigureAwait(false);
            var moved = await switchover.RunAsync(run, progress, ct).ConfigureAwait(false);
            return moved.Ok ? moved with { Message = $"{service}: live on {color} ({string.Join(", ", def.Servers!.For(color))}) as {release}, the same image as {record.Release}; {server} holds only the idle colour, stopped." } : moved;
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            StepRunner.Stopped(run, progress);
            throw;
        }
        catch (Exception e)
        {
            return await steps.FailAsync(run, $"The move stopped on an unexpected error: {e.Message}", progress, hadLive: true).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// The server's stopped replicas of the live release start again, pass their health checks as a
    /// candidate, and join the live pool in one update. Ok with an empty message when the service has
    /// nothing there to bring back.
    /// </summary>
    private async Task<DeployOutcome> BackInAsync(string service, string server, string author, DeployProgress progress, CancellationToken ct)
    {
        if (steps.Router.Live(service) is not { } live) return new DeployOutcome(true, "");
        var found = await LiveAsync(service, ct).ConfigureAwait(false);
        if (found.Error is { } error) return DeployOutcome.Fail($"{error}.");
        if (found.Record is not { } record || found.Def?.Servers is not { } placement || !placement.All.Contains(server)) return new DeployOutcome(true, "");
        var liveColor = live.Name ?? record.Color ?? "blue";
        var back = found.All.Where(c => ServerFleet.ServerOf(c.Id) == server && c.Release == record.Release && c.Role == ContainerLabels.Web
            && c.Target is not null && !live.Targets.Contains(c.Target)).ToList();
        if (back.Count == 0)
        {
            return new DeployOutcome(true, placement.For(liveColor).Contains(server, StringComparer.Ordinal)
                ? ""
                : $"{service}: live on {liveColor} ({string.Join(", ", placement.For(liveColor))}); {server} holds its idle colour and takes its next release (no switch back).");
        }
        var (id, _) = steps.Store.BeginDeployment(service, Kinds.HostResume, record.Image, record.Digest, liveColor, author, null, record.Release);
        if (!steps.TryLock(service, id, author, out var refused)) return DeployOutcome.Fail(refused, id, DeployFailure.Conflict);
        return await LockedAsync(service, id, () => BackInLockedAsync(service, server, found.Def, record, liveColor, live, back, id, progress, ct)).ConfigureAwait(false);
    }

    private async Task<DeployOutcome> BackInLockedAsync(string service, string server, ServiceDefinition def, DeploymentRecord record, string liveColor, LivePool live,
        List<ReleaseContainer> back, long id, DeployProgress progress, CancellationToken ct)
    {
        var run = new Run { Id = id, Def = def, Release = record.Release, Color = liveColor, Image = record.Image, Pinned = record.Digest ?? record.Image, Web = back, Reused = true };
        progress("step", $"{service}: {server}'s {back.Count} replica(s) of {record.Release} start again");
        var failure = await steps.StepAsync(run, "restart", progress, async () =>
        {
            run.StartedAt = DateTimeOffset.UtcNow;
            var started = await steps.Containers.RestartAsync(back, ct).ConfigureAwait(false);
            return started.IsSuccess ? null : $"{server}'s replicas could not start: {started.Error.Message}";
        }).ConfigureAwait(false)
            ?? await steps.StepAsync(run, "healthy", progress, () => steps.HealthyAsync(run, ct)).ConfigureAwait(false);
        if (failure is not null) return await steps.FailAsync(run, failure, progress, hadLive: true).ConfigureAwait(false);
        await steps.StepAsync(run, "in", progress, async () =>
        {
            run.Staged = false;
            var merged = steps.Router.Merge(service, [], addCandidate: true, poolName: null);
            if (merged.Note is { } note) progress("info", note);
            await merged.WaitAsync(CancellationToken.None).ConfigureAwait(false);
            return null;
        }).ConfigureAwait(false);
        var message = $"{service}: {server}'s {back.Count} replica(s) of {record.Release} are healthy and back in the live pool ({live.Targets.Count + back.Count} serve).";
        steps.Store.FinishDeployment(id, Outcomes.Succeeded, message);
        steps.Store.Unlock(service, id);
        return new DeployOutcome(true, message, id);
    }

    /// <summary>
    /// Runs a locked drain or resume step of one service; an unexpected error ends its record as failed
    /// and releases the lock (a stop of Baton leaves both to the next start's recovery).
    /// </summary>
    private async Task<DeployOutcome> LockedAsync(string service, long id, Func<Task<DeployOutcome>> body)
    {
        try
        {
            return await body().ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            steps.Store.FinishDeployment(id, Outcomes.Failed, $"Stopped on an unexpected error: {e.Message}");
            steps.Store.Unlock(service, id);
            throw;
        }
    }

    /// <summary>Each service's own end is a line of the drain's progress, not the end of the drain.</summary>
    private static DeployProgress Inner(DeployProgress progress) => (kind, message) => progress(kind is "done" or "failed" ? "info" : kind, message);

    /// <summary>A stop of Baton goes on up (the next start recovers); an unexpected error is a failed outcome with its message.</summary>
    private async Task<DeployOutcome> GuardAsync(string service, Func<Task<DeployOutcome>> body, CancellationToken ct)
    {
        try
        {
            return await body().ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            LogUnexpected(steps.Logger, e, service);
            return DeployOutcome.Fail($"{service} stopped on an unexpected error: {e.Message}");
        }
    }

    [LoggerMessage(EventId = LogEvents.ServerDrained, Level = LogLevel.Information, Message = "Drain of {Server}: {Outcome}")]
    private static partial void LogDrain(ILogger logger, string server, string outcome);

    [LoggerMessage(EventId = LogEvents.DeployUnexpected, Level = LogLevel.Error, Message = "Drain or resume of {Service} stopped on an unexpected error")]
    private static partial void LogUnexpected(ILogger logger, Exception e, string service);
}
