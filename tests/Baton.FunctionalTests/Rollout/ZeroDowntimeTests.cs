using System.Collections.Concurrent;
using System.Net;
using Baton.FunctionalTests.Infrastructure;

namespace Baton.FunctionalTests.Rollout;

/// <summary>The promise of the tool: switching releases under load fails no request.</summary>
public sealed class ZeroDowntimeTests
{
    [Fact]
    public async Task Deploy_TenSwitchesUnderConcurrentLoad_ZeroFailedRequests()
    {
        await using var router = await RouterHost.StartAsync();
        await using var blue = await Backend.StartAsync("blue");
        await using var green = await Backend.StartAsync("green");
        await router.DeployOkAsync("app", blue);

        var failures = new ConcurrentQueue<string>();
        var answeredBy = new ConcurrentDictionary<string, int>();
        long total = 0;
        using var stop = new CancellationTokenSource();
        using var pooled = router.NewProxyClient();

        async Task LoopAsync(int id)
        {
            // Loops 0–3: kept-alive HttpClient (GET and POST); 4–5: a new connection per request via
            // HttpClient; 6–7: raw HTTP/1.1 on a new TCP connection, which retries nothing.
            using var fresh = router.NewProxyClient(h => h.PooledConnectionLifetime = TimeSpan.Zero);
            for (int i = 0; !stop.IsCancellationRequested; i++)
            {
                bool post = i % 2 == 1;
                string what = $"loop {id} {(post ? "POST" : "GET")}";
                try
                {
                    int status;
                    string body;
                    if (id < 6)
                    {
                        var client = id < 4 ? pooled : fresh;
                        using var request = new HttpRequestMessage(post ? HttpMethod.Post : HttpMethod.Get, "/echo");
                        if (post) request.Content = new StringContent("0123456789");
                        using var response = await client.SendAsync(request);
                        status = (int)response.StatusCode;
                        body = await response.Content.ReadAsStringAsync();
                    }
                    else
                    {
                        var r = await RawHttp.SendAsync(router.ProxyUri, post ? "POST" : "GET", "/echo", body: post ? "0123456789" : null);
                        status = r.Status;
                        body = r.Body;
                    }
                    Interlocked.Increment(ref total);
                    var name = body.Split(':')[0];
                    bool ok = status == 200 && name is "blue" or "green" && (!post || body.EndsWith(":10", StringComparison.Ordinal));
                    if (!ok) failures.Enqueue($"{what}: {status} {body}");
                    else answeredBy.AddOrUpdate(name, 1, (_, n) => n + 1);
                }
                catch (Exception e)
                {
                    Interlocked.Increment(ref total);
                    failures.Enqueue($"{what}: {e.GetType().Name} {e.Message}");
                }
            }
        }

        var loops = Enumerable.Range(0, 8).Select(i => Task.Run(() => LoopAsync(i))).ToArray();
        await Task.Delay(200);
        for (int d = 0; d < 10; d++)
        {
            var next = d % 2 == 0 ? green : blue;
            var result = await router.DeployAsync("app", RouterHost.Request([next], drain: "5s"));
            Assert.True(result.Succeeded, $"deploy {d}: {result}");
            await Task.Delay(100);
        }
        await Task.Delay(200);
        await stop.CancelAsync();
        await Task.WhenAll(loops);

        Assert.True(failures.IsEmpty, $"{failures.Count} of {total} requests failed:\n{string.Join("\n", failures.Take(20))}");
        Assert.True(total > 200, $"only {total} requests were sent");
        Assert.True(answeredBy.GetValueOrDefault("blue") > 0 && answeredBy.GetValueOrDefault("green") > 0, "both releases answered");
        Assert.Equal(blue.Address, (await router.StatusAsync("app"))!.Active!.Targets.Single().Address);
    }
}
