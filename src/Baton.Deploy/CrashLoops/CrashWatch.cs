using System.Collections.Concurrent;
using Baton.Contracts;
using Baton.Docker;

namespace Baton.Deploy.CrashLoops;

/// <summary>
/// Keeps the exits of web containers that happen while they are live (the engine's events), so a
/// live release that crash-loops under its restart policy after its watch shows as degraded in
/// <c>baton status</c> and on the page, instead of hiding behind the router's own answers.
/// </summary>
public sealed class CrashWatch(IRouterControl router, TimeProvider time)
{
    /// <summary>How far back exits count: five minutes.</summary>
    public static readonly TimeSpan Window = TimeSpan.FromMinutes(5);

    private readonly ConcurrentDictionary<string, ConcurrentQueue<Exit>> _exits = new(StringComparer.Ordinal);

    /// <summary>
    /// The seam for the router's own answers to the service (404 no route, 502, 503 no healthy
    /// target, 504) over the window, once the router counts them per service; null until then.
    /// </summary>
    public Func<string, RouterAnswerCounts?>? RouterAnswers { get; set; }

    private sealed record Exit(string Target, string Release, string Container, string? Code, bool Oom, DateTimeOffset At);

    /// <summary>Follows the engine's events of Baton's web containers until <paramref name="ct"/> ends; a broken stream is opened again.</summary>
    public async Task RunAsync(IContainerEngine docker, CancellationToken ct)
    {
        var since = time.GetUtcNow();
        for (int broken = 0; !ct.IsCancellationRequested; broken++)
        {
            var opened = await docker.Events.SubscribeAsync([ContainerLabels.Service, $"{ContainerLabels.Role}={ContainerLabels.Web}"], since, ct).ConfigureAwait(false);
            if (opened.TryGetValue(out var subscription, out _))
            {
                await using (((IAsyncDisposable)subscription).ConfigureAwait(false))
                {
                    try
                    {
                        await foreach (var e in subscription.WithCancellation(ct).ConfigureAwait(false))
                        {
                            Record(e);
                            since = e.Time;
                        }
                    }
                    catch (OperationCanceledException) when (ct.IsCancellationRequested)
                    {
                        return;
                    }
                }
            }
            // The engine went away or closed the stream: try again, more slowly each time (up to 30 s).
            try
            {
                await Task.Delay(TimeSpan.FromSeconds(Math.Min(30, 1 << Math.Min(broken, 5))), time, ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>Counts a <c>die</c> or <c>oom</c> of a container that the router's live pool reaches.</summary>
    public void Record(DockerEvent e)
    {
        if (e.Action is not ("die" or "oom")) return;
        var a = e.Attributes;
        if (a.GetValueOrDefault(ContainerLabels.Service) is not { } service || a.GetValueOrDefault(ContainerLabels.Target) is not { } target) return;
        if (router.Live(service) is not { } live || !live.Targets.Contains(target)) return; // Baton's own stops come after a switch
        var exits = _exits.GetOrAdd(service, _ => new ConcurrentQueue<Exit>());
        exits.Enqueue(new Exit(target, a.GetValueOrDefault(ContainerLabels.Release, "?"), e.Name ?? e.ActorId, a.GetValueOrDefault("exitCode"), e.Action == "oom", e.Time));
        while (exits.Count > 1000 && exits.TryDequeue(out _)) { }
    }

    /// <summary>Degraded when a container of the live release exited in the last <see cref="Window"/>; null when not.</summary>
    public DegradedStatus? Degraded(string service)
    {
        if (!_exits.TryGetValue(service, out var all) || router.Live(service) is not { } live) return null;
        var now = time.GetUtcNow();
        while (all.TryPeek(out var oldest) && now - oldest.At > Window) all.TryDequeue(out _);
        var exits = all.Where(x => live.Targets.Contains(x.Target)).ToList();
        if (exits.Count == 0) return null;
        var last = exits[^1];
        var ago = (int)(now - last.At).TotalSeconds;
        var how = last.Oom ? "killed out of memory" : $"exit code {last.Code ?? "?"}";
        var reason = $"the live release {last.Release} exited {exits.Count} time{(exits.Count == 1 ? "" : "s")} in the last {(int)Window.TotalMinutes} minutes (last: {last.Container}, {how}, {ago} s ago)";
        return new DegradedStatus(reason, exits.Count, (int)Window.TotalSeconds, last.Code, last.At, RouterAnswers?.Invoke(service));
    }
}
