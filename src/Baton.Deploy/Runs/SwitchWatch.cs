using System.Diagnostics;
using Baton.Deploy.Rollouts;
using Baton.Deploy.ServiceFile;

namespace Baton.Deploy.Runs;

/// <summary>
/// The watch window after a switch: the new release is judged while the old one is kept warm. It
/// fails on an exit, restart or OOM kill of a new container (the engine's events, or sooner, a
/// target that stops accepting connections: <see cref="SocketSentinel"/>), on health
/// checks failing in a row, or on error rate or p95 worse than the old release's before the
/// switch (<see cref="CanaryJudge"/>, on the router's own numbers).
/// </summary>
internal static class SwitchWatch
{
    /// <summary>How often a canary step or a rolling batch is judged.</summary>
    public static readonly TimeSpan JudgeEvery = TimeSpan.FromMilliseconds(250);

    /// <summary>
    /// How often the watch after a switch judges: every request failing on a dead release is one
    /// a user sees (there is no other pool to share them with), so the numbers are read often; they are in memory.
    /// </summary>
    public static readonly TimeSpan WatchEvery = TimeSpan.FromMilliseconds(25);

    private static readonly HttpClient Probe = new(new SocketsHttpHandler { UseProxy = false, AllowAutoRedirect = false, PooledConnectionLifetime = TimeSpan.Zero });

    /// <param name="before">The old release's numbers over the minute before the switch.</param>
    /// <param name="exits">The engine's watch of the new containers (see <see cref="ExitWatch"/>).</param>
    /// <returns>Null when the window passed; else what failed, when, and the numbers.</returns>
    public static async Task<string?> RunAsync(IRouterControl router, Run run, PoolNumbers before, Task<string?> exits, Action<string> report, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        using var healthStop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var health = HealthAsync(run, healthStop.Token);
        // The fastest sign of a crash: the kernel closes the connections of a process that dies.
        var sockets = SocketSentinel.WatchAsync(run.Web, healthStop.Token);
        try
        {
            int strikes = 0;
            var verdict = new Verdict(false, false, null, "no requests yet");
            while (clock.Elapsed < run.Watch)
            {
                var wait = TimeSpan.FromTicks(Math.Min(WatchEvery.Ticks, (run.Watch - clock.Elapsed).Ticks));
                await Task.WhenAny(Task.Delay(wait, ct), exits, health, sockets).ConfigureAwait(false);
                ct.ThrowIfCancellationRequested();
                var at = $"{clock.Elapsed.TotalSeconds:0.0} s after the switch";
                int seconds = Math.Max(1, (int)Math.Ceiling(clock.Elapsed.TotalSeconds));
                var mine = router.Numbers(run.Service, run.Targets, seconds);
                var numbers = $"new release {mine}; old release before the switch {before}";
                if (exits.IsCompleted && await exits.ConfigureAwait(false) is { } exit) return $"{exit} {at} ({numbers})";
                if (sockets.IsCompleted && await sockets.ConfigureAwait(false) is { } closed) return $"{closed} {at} ({numbers})";
                if (health.IsCompleted && await health.ConfigureAwait(false) is { } failing) return $"{failing} {at} ({numbers})";
                verdict = CanaryJudge.Judge(mine, before, run.Def.Canary);
                strikes = verdict.Worse ? strikes + 1 : 0;
                if (verdict.Worse && (!verdict.OnLatency || strikes * WatchEvery >= Verdict.LatencyHold))
                    return $"its {verdict.Reason} {at} ({numbers})";
                if (strikes == 0) report(numbers);
            }
            return null;
        }
        finally
        {
            await healthStop.CancelAsync().ConfigureAwait(false);
            await health.ConfigureAwait(false);
            await sockets.ConfigureAwait(false);
        }
    }

    /// <summary>Probes each new container's health path at the service's interval; fails after as many failures in a row as the passes it needs.</summary>
    private static async Task<string?> HealthAsync(Run run, CancellationToken ct)
    {
        var h = run.Def.Health;
        var failures = new int[run.Web.Count];
        try
        {
            while (true)
            {
                await Task.Delay(h.Interval, ct).ConfigureAwait(false);
                for (int i = 0; i < run.Web.Count; i++)
                {
                    var answer = await ProbeAsync(run.Web[i].Target!, h, ct).ConfigureAwait(false);
                    failures[i] = answer is null ? 0 : failures[i] + 1;
                    if (failures[i] >= Math.Max(2, h.Passes))
                        return $"{run.Web[i].Name} failed {failures[i]} health checks in a row on {h.Path} (last: {answer})";
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            return null;
        }
    }

    /// <returns>Null when the target answered 2xx in time; else what it answered.</returns>
    private static async Task<string?> ProbeAsync(string target, HealthSpec h, CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(h.Timeout);
        if (h.Path == Baton.Router.Health.HealthCheckOptions.ConnectOnly)
        {
            // The engine's healthcheck gates this service, with no HTTP health path: an open port that holds a connection is what can be probed.
            var endpoint = System.Net.IPEndPoint.Parse(target);
            try
            {
                var (ok, seen) = await Baton.Router.Health.ConnectProbe.CheckAsync(endpoint.Address.ToString(), endpoint.Port, timeout.Token).ConfigureAwait(false);
                return ok ? null : seen;
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                return $"no connection within {h.Timeout.TotalSeconds:0.#} s";
            }
        }
        using var request = new HttpRequestMessage(HttpMethod.Get, $"http://{target}{h.Path}");
        if (h.Host is not null) request.Headers.Host = h.Host;
        try
        {
            using var response = await Probe.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token).ConfigureAwait(false);
            return response.IsSuccessStatusCode ? null : $"{(int)response.StatusCode}";
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return $"no answer within {h.Timeout.TotalSeconds:0.#} s";
        }
        catch (HttpRequestException e)
        {
            return e.HttpRequestError == HttpRequestError.ConnectionError ? "connection refused" : e.Message;
        }
    }
}
