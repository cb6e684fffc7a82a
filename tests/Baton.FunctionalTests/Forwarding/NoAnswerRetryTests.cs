using Baton.FunctionalTests.Infrastructure;

namespace Baton.FunctionalTests.Forwarding;

/// <summary>
/// A target that takes a request and closes the connection without a byte of answer, as Docker's proxy does for a
/// published port whose container crashed and is starting again: a request that may be sent twice (an idempotent
/// method, no body) goes to another target; any other gets the router's 502 and is never sent twice; a run of them
/// ejects the target as a run of refused connections does.
/// </summary>
public sealed class NoAnswerRetryTests : IAsyncLifetime
{
    private RouterHost _router = null!;
    private Backend _alive = null!;
    private RawBackend _slammer = null!;

    public async Task InitializeAsync()
    {
        _router = await RouterHost.StartAsync();
        _alive = await Backend.StartAsync("alive");
        _slammer = new RawBackend(closeUnanswered: true);
        // Probes only every 60 s: the slammer answers them, and stays healthy unless passive health ejects it.
        var request = RouterHost.Request([_alive], interval: "60s") with { Targets = [_alive.Address, _slammer.Address] };
        await _router.DeployOkAsync("noanswer", request);
    }

    public async Task DisposeAsync()
    {
        await _router.DisposeAsync();
        await _alive.DisposeAsync();
        await _slammer.DisposeAsync();
    }

    [Fact]
    public async Task IdempotentWithoutBody_TargetClosesWithoutAnswer_EveryRequestAnsweredByTheOther()
    {
        var methods = new[] { "GET", "HEAD", "DELETE", "OPTIONS", "PUT" };
        var errors = new List<string>();
        for (int i = 0; i < 30; i++)
        {
            var method = methods[i % methods.Length];
            // A fresh connection each time, written by hand: nothing on the client side retries.
            var response = await RawHttp.SendAsync(_router.ProxyUri, method, $"/echo?i={i}", host: null, body: method == "PUT" ? "" : null);
            if (response.Status != 200) errors.Add($"{method} → {response.Status} {response.Body}");
        }
        Assert.True(errors.Count == 0, string.Join("\n", errors));
        Assert.True(_slammer.Requests.Count >= 1, "the slammer was never picked");

        var slammer = await SlammerStatusAsync();
        // Each attempt the router made there is a 502 in the slammer's numbers (the client got the other's answer). One
        // attempt may reach it more than once: the handler itself sends a request without a body again when a kept-alive
        // connection closes before an answer, on the next pooled one or a new one.
        Assert.True(slammer.ByClass.S5xx >= 1 && slammer.Requests == slammer.ByClass.S5xx, $"the slammer's attempts are 502s: {slammer}");
        Assert.Equal(0, slammer.ConnectFailures);
    }

    [Fact]
    public async Task PostWithBody_TargetClosesWithoutAnswer_502AndNeverSentTwice()
    {
        int failed = 0, answered = 0;
        for (int i = 0; i < 40 && failed == 0; i++)
        {
            var response = await RawHttp.SendAsync(_router.ProxyUri, "POST", $"/echo?i={i}", body: $"order-{i}");
            if (response.Status == 502)
            {
                failed++;
                Assert.Contains("failed to answer", response.Body, StringComparison.Ordinal);
            }
            else
            {
                Assert.Equal(200, response.Status);
                answered++;
            }
        }
        Assert.True(failed == 1, "the slammer never took a POST in 40");
        // The one POST the slammer took reached no other target.
        Assert.Single(_slammer.Requests);
        Assert.Equal(answered, _alive.Requests);
    }

    [Fact]
    public async Task ThreeWithoutAnswerInARow_TargetEjected_NoneFailed()
    {
        for (int i = 0; i < 60 && (await SlammerStatusAsync()).Health == "healthy"; i++)
            Assert.Equal(200, (await RawHttp.SendAsync(_router.ProxyUri, "GET", $"/echo?i={i}")).Status);

        Assert.Equal("unhealthy", (await SlammerStatusAsync()).Health);
        int slammed = _slammer.Requests.Count;
        Assert.True(slammed >= 3, $"ejected after {slammed}");
        for (int i = 0; i < 20; i++) Assert.Equal(200, (await RawHttp.SendAsync(_router.ProxyUri, "GET", $"/after?i={i}")).Status);
        Assert.Equal(slammed, _slammer.Requests.Count);
    }

    [Fact]
    public async Task ThreeAnswersCutInTheBody_TargetEjected()
    {
        // Every request for /cut gets the head of an answer and part of its body, then the connection closes: an app
        // that dies while answering. Such an answer cannot be replaced (its head went out), and counts in the run.
        await using var cutter = new RawBackend();
        await _router.DeployOkAsync("cutter", RouterHost.Request([_alive], hosts: ["cutter.test"], interval: "60s") with { Targets = [cutter.Address] });
        for (int i = 1; i <= 3; i++)
        {
            // The client gets the head and the part that came, then a cut connection: never a whole answer.
            try
            {
                var answer = await RawHttp.SendAsync(_router.ProxyUri, "GET", $"{RawBackend.CutPrefix}?i={i}", host: "cutter.test");
                Assert.True(answer.Status == 200 && answer.Body.Length < 100, $"{answer.Status} with {answer.Body.Length} bytes");
            }
            catch (IOException)
            {
            }
            var status = (await _router.StatusAsync("cutter"))!.Active!.Targets.Single();
            Assert.Equal(i < 3 ? "healthy" : "unhealthy", status.Health);
        }
        Assert.Equal(3, cutter.Requests.Count);
    }

    private async Task<Baton.Contracts.TargetStatus> SlammerStatusAsync() =>
        (await _router.StatusAsync("noanswer"))!.Active!.Targets.Single(t => t.Address == _slammer.Address);
}
