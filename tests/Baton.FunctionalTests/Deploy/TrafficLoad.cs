using System.Collections.Concurrent;
using Baton.FunctionalTests.Infrastructure;

namespace Baton.FunctionalTests.Deploy;

/// <summary>
/// Non-retrying traffic through the router while something happens: GETs on a new connection
/// each, GETs on kept-alive connections, POSTs to /echo checked byte for byte, and slow requests
/// in flight across the switch. Every request that does not answer 200 with the expected body is a failure.
/// </summary>
public sealed class TrafficLoad : IAsyncDisposable
{
    /// <summary>Cancels requests only if they still hang long after the load was stopped; a request cut this way is a failure.</summary>
    private readonly CancellationTokenSource _abort = new();
    private volatile bool _stopping;
    private readonly List<Task> _loops = [];
    private readonly ConcurrentQueue<string> _failures = new();
    private readonly ConcurrentDictionary<string, int> _versions = new();
    private long _requests;

    private TrafficLoad()
    {
    }

    public long Requests => Interlocked.Read(ref _requests);
    public IReadOnlyCollection<string> Failures => _failures;
    public IReadOnlyDictionary<string, int> Versions => _versions;

    /// <param name="slow">Also keep /slow?ms=1500 requests in flight (they must finish on the old colour during the drain).</param>
    public static TrafficLoad Start(Uri proxy, string host, int fresh = 3, int keptAlive = 2, int echo = 1, int slow = 2)
    {
        var load = new TrafficLoad();
        var ct = load._abort.Token;
        for (int i = 0; i < fresh; i++) load._loops.Add(Task.Run(() => load.LoopAsync("GET /version", async () => (await RawHttp.SendAsync(proxy, "GET", "/version", host, ct: ct), null), ct)));
        for (int i = 0; i < keptAlive; i++)
        {
            load._loops.Add(Task.Run(async () =>
            {
                using var connection = new KeepAliveHttp(proxy);
                await load.LoopAsync("kept-alive GET /version", async () => (await connection.GetAsync("/version", host, ct), null), ct);
            }));
        }
        for (int i = 0; i < echo; i++)
        {
            int loop = i;
            load._loops.Add(Task.Run(() =>
            {
                long n = 0;
                return load.LoopAsync("POST /echo", async () =>
                {
                    var body = $"echo {loop} {n++} {new string('x', 2000)}";
                    return (await RawHttp.SendAsync(proxy, "POST", "/echo", host, body, ["Content-Type: text/plain"], ct), body);
                }, ct);
            }));
        }
        for (int i = 0; i < slow; i++) load._loops.Add(Task.Run(() => load.LoopAsync("GET /slow", async () => (await RawHttp.SendAsync(proxy, "GET", "/slow?ms=1500", host, ct: ct), null), ct)));
        return load;
    }

    private async Task LoopAsync(string what, Func<Task<(RawResponse Response, string? Expected)>> send, CancellationToken ct)
    {
        while (!_stopping)
        {
            try
            {
                var (r, expected) = await send();
                Interlocked.Increment(ref _requests);
                if (r.Status != 200) _failures.Enqueue($"{what}: {r.Status} {r.Body}");
                else if (expected is not null && r.Body != expected) _failures.Enqueue($"{what}: body differs ({r.Body.Length} bytes back, {expected.Length} sent)");
                else if (expected is null) _versions.AddOrUpdate(r.Body, 1, (_, c) => c + 1);
            }
            catch (Exception e)
            {
                Interlocked.Increment(ref _requests);
                _failures.Enqueue($"{what}: {e.GetType().Name}: {e.Message}");
                // A failed kept-alive connection cannot go on; its loop ends rather than reconnect silently.
                if (what.StartsWith("kept-alive", StringComparison.Ordinal)) return;
            }
        }
    }

    /// <summary>Stops sending; requests in flight (the slow ones too) finish first.</summary>
    public async Task StopAsync()
    {
        _stopping = true;
        var all = Task.WhenAll(_loops);
        if (await Task.WhenAny(all, Task.Delay(TimeSpan.FromSeconds(30))) != all) _abort.Cancel();
        await all;
    }

    public string Summary => $"{Requests} requests, {Failures.Count} failed, versions {string.Join(", ", Versions.Select(v => $"{v.Key}×{v.Value}"))}" +
        (Failures.Count == 0 ? "" : "\n" + string.Join("\n", Failures.Take(20)));

    public async ValueTask DisposeAsync()
    {
        if (!_stopping) await StopAsync();
        _abort.Dispose();
    }
}
