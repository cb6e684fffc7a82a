using System.Diagnostics;
using Baton.Router.Targets;
using Microsoft.Extensions.Logging;

namespace Baton.Router.Health;

/// <summary>
/// Runs the active health checks: one loop per target, from the moment the target is added to a
/// pool until it leaves the last one. A target becomes healthy after <see cref="HealthCheckOptions.Passes"/>
/// consecutive 2xx answers and unhealthy after <see cref="HealthCheckOptions.Failures"/> failures.
/// </summary>
public sealed partial class HealthProber : IDisposable
{
    private readonly HttpMessageInvoker _client;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Lock _gate = new();
    private readonly Dictionary<Target, CancellationTokenSource> _loops = [];

    public HealthProber(TimeProvider time, ILogger logger)
    {
        _time = time;
        _logger = logger;
        _client = new HttpMessageInvoker(new SocketsHttpHandler
        {
            UseProxy = false,
            AllowAutoRedirect = false,
            UseCookies = false,
            ConnectTimeout = TimeSpan.FromSeconds(5),
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(30),
            ActivityHeadersPropagator = null,
        });
    }

    /// <summary>Starts probing <paramref name="target"/> with the options of the pool that brought it; a no-op when it is probed already.</summary>
    public void Watch(Target target, HealthCheckOptions options)
    {
        CancellationTokenSource cts;
        lock (_gate)
        {
            if (_loops.ContainsKey(target)) return;
            cts = new CancellationTokenSource();
            _loops[target] = cts;
        }
        _ = Task.Run(() => LoopAsync(target, options, cts.Token), CancellationToken.None);
    }

    public void Forget(Target target)
    {
        CancellationTokenSource? cts;
        lock (_gate)
        {
            if (!_loops.Remove(target, out cts)) return;
        }
        cts.Cancel();
        cts.Dispose();
    }

    private async Task LoopAsync(Target target, HealthCheckOptions options, CancellationToken ct)
    {
        int passes = 0, failures = 0;
        var seen = target.Health;
        while (!ct.IsCancellationRequested)
        {
            // Ejected passively since the last probe: it must pass the full count again.
            if (seen == TargetHealth.Healthy && target.Health == TargetHealth.Unhealthy) passes = 0;
            long probeStarted = Stopwatch.GetTimestamp();
            var (ok, description) = await ProbeAsync(target, options, ct).ConfigureAwait(false);
            if (ct.IsCancellationRequested) return;
            target.LastProbe = description;
            if (ok)
            {
                target.ReportProbePassed(probeStarted);
                failures = 0;
                passes++;
                if (target.Health != TargetHealth.Healthy && passes >= options.Passes)
                {
                    target.ResetFailedAttempts();
                    target.SetHealth(TargetHealth.Healthy);
                    LogHealthy(_logger, target.Authority, passes);
                }
            }
            else
            {
                passes = 0;
                failures++;
                var h = target.Health;
                if (h == TargetHealth.Healthy && failures >= options.Failures)
                {
                    target.SetHealth(TargetHealth.Unhealthy);
                    LogUnhealthy(_logger, target.Authority, description);
                }
            }
            seen = target.Health;
            try
            {
                await Task.Delay(options.Interval, _time, ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private async Task<(bool Ok, string Description)> ProbeAsync(Target target, HealthCheckOptions options, CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(options.Timeout);
        var started = Stopwatch.GetTimestamp();
        try
        {
            if (options.Path == HealthCheckOptions.ConnectOnly)
                return await ConnectProbe.CheckAsync(target.BaseUri.Host, target.BaseUri.Port, timeout.Token).ConfigureAwait(false);
            using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(target.BaseUri, options.Path));
            request.Headers.Host = options.Host ?? target.Authority;
            request.Headers.TryAddWithoutValidation("User-Agent", "baton-health/1");
            using var response = await _client.SendAsync(request, timeout.Token).ConfigureAwait(false);
            var ms = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            int code = (int)response.StatusCode;
            return (code is >= 200 and < 300, $"{code} in {ms:0} ms");
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return (false, $"no answer within {options.Timeout.TotalSeconds:0.#} s");
        }
        catch (HttpRequestException e)
        {
            return (false, e.HttpRequestError == HttpRequestError.ConnectionError ? "connection refused" : e.Message);
        }
        catch (OperationCanceledException)
        {
            return (false, "cancelled");
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            foreach (var cts in _loops.Values) cts.Cancel();
            _loops.Clear();
        }
        _client.Dispose();
    }

    [LoggerMessage(EventId = LogEvents.TargetHealthy, Level = LogLevel.Information, Message = "Target {Target} is healthy after {Passes} passing checks")]
    private static partial void LogHealthy(ILogger logger, string target, int passes);

    [LoggerMessage(EventId = LogEvents.TargetUnhealthy, Level = LogLevel.Warning, Message = "Target {Target} is unhealthy: {Reason}")]
    private static partial void LogUnhealthy(ILogger logger, string target, string reason);
}
