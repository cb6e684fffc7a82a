using System.Text;
using Baton.FunctionalTests.Infrastructure;

namespace Baton.FunctionalTests.Forwarding;

/// <summary>
/// The forwarder's edges, with the exact bytes: what a hostile or odd request becomes on the
/// target's connection (recorded by a raw backend), and that a refusal never counts against the target.
/// </summary>
public sealed class EdgeTests(EdgeFixture fixture) : IClassFixture<EdgeFixture>
{
    private readonly RouterHost _router = fixture.Router;
    private readonly RawBackend _backend = fixture.Backend;
    private const string Host = EdgeFixture.Host;

    private static byte[] Latin1(string s) => Encoding.Latin1.GetBytes(s);

    private Uri H2Uri(bool tls) => new(tls ? _router.Server.ProxyTlsUrl! : _router.Server.ProxyH2cUrl!);

    private async Task<long> TargetRequestsAsync() => (await _router.StatusAsync(EdgeFixture.Service))!.Active!.Targets.Single().Requests;

    /// <summary>Finding 1: a :path of 300 "ä" must not make the pooled connection replay the previous user's request.</summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Http2NonAsciiPath_AfterAVictim_VictimSentOnceAndAttackerGetsOwnAnswer(bool tls)
    {
        var id = Guid.NewGuid().ToString("N");
        var victim = await RawHttp.SendAsync(_router.ProxyUri, "GET", $"/victim-{id}", host: Host,
            headers: [$"Cookie: session=victim-secret-{id}", $"Authorization: Bearer victim-token-{id}"]);
        Assert.Equal(200, victim.Status);

        await using var attacker = await H2Client.ConnectAsync(H2Uri(tls));
        var path = "/" + string.Concat(Enumerable.Repeat("ä", 300));
        var answer = await attacker.GetAsync(Encoding.UTF8.GetBytes(path), Host);

        Assert.Single(_backend.RequestTexts, t => t.Contains($"victim-secret-{id}", StringComparison.Ordinal));
        Assert.NotEqual(victim.Body, answer.Body);
        Assert.Equal(200, answer.Status);
        var encoded = "GET /" + string.Concat(Enumerable.Repeat("%C3%A4", 300)) + " HTTP/1.1\r\n";
        var last = _backend.RequestTexts[^1];
        Assert.StartsWith(encoded, last, StringComparison.Ordinal);
        Assert.DoesNotContain("victim", last, StringComparison.Ordinal);
    }

    /// <summary>Finding 1: what HTTP/2 lets through in :path reaches the HTTP/1.1 request line percent-encoded, never raw.</summary>
    [Theory]
    [InlineData("/sp a b", "/sp%20a%20b")]
    [InlineData("/tab\tx", "/tab%09x")]
    [InlineData("/del\u007fx", "/del%7Fx")]
    [InlineData("/hash#frag", "/hash%23frag")]
    [InlineData("/ver HTTP/1.0 x", "/ver%20HTTP/1.0%20x")]
    [InlineData("/q?name=J\u00fcrgen&x=1", "/q?name=J%C3%BCrgen&x=1")]
    [InlineData("/emoji\U0001F600", "/emoji%F0%9F%98%80")]
    public async Task Http2OddPath_ForwardedPercentEncoded(string path, string expected)
    {
        await using var client = await H2Client.ConnectAsync(H2Uri(tls: false));
        var answer = await client.GetAsync(Encoding.UTF8.GetBytes(path), Host);
        Assert.Equal(200, answer.Status);
        Assert.StartsWith($"GET {expected} HTTP/1.1\r\n", _backend.RequestTexts[^1], StringComparison.Ordinal);
    }

    /// <summary>Finding 2: UTF-8 in a header value reaches the target byte for byte; no 502, nothing counted as an error.</summary>
    [Fact]
    public async Task Utf8CookieValue_ForwardedByteExact_NoError()
    {
        var id = Guid.NewGuid().ToString("N");
        var before = (await _router.StatusAsync(EdgeFixture.Service))!.Active!.Targets.Single().ByClass.S5xx;
        var request = Encoding.UTF8.GetBytes($"GET /utf8-{id} HTTP/1.1\r\nHost: {Host}\r\nCookie: name=Jürgen\r\nX-Name: Ünïcødé ✓\r\nConnection: close\r\n\r\n");
        var response = await RawHttp.SendBytesAsync(_router.ProxyUri, request);
        Assert.Equal(200, response.Status);
        var seen = Assert.Single(_backend.RequestsWith($"/utf8-{id}"));
        Assert.Contains("\r\nCookie: name=" + Encoding.Latin1.GetString(Encoding.UTF8.GetBytes("Jürgen")) + "\r\n", seen, StringComparison.Ordinal);
        Assert.Contains("\r\nX-Name: " + Encoding.Latin1.GetString(Encoding.UTF8.GetBytes("Ünïcødé ✓")) + "\r\n", seen, StringComparison.Ordinal);
        Assert.Equal(before, (await _router.StatusAsync(EdgeFixture.Service))!.Active!.Targets.Single().ByClass.S5xx);
    }

    /// <summary>Finding 2 over HTTP/2: the same bytes in an HPACK literal.</summary>
    [Fact]
    public async Task Http2Utf8HeaderValue_ForwardedByteExact()
    {
        var id = Guid.NewGuid().ToString("N");
        await using var client = await H2Client.ConnectAsync(H2Uri(tls: true));
        var answer = await client.GetAsync(Encoding.ASCII.GetBytes($"/h2utf8-{id}"), Host, ("cookie", "name=Jürgen"));
        Assert.Equal(200, answer.Status);
        var seen = Assert.Single(_backend.RequestsWith($"/h2utf8-{id}"));
        Assert.Contains("\r\nCookie: name=" + Encoding.Latin1.GetString(Encoding.UTF8.GetBytes("Jürgen")) + "\r\n", seen, StringComparison.Ordinal);
    }

    /// <summary>Finding 3: every header a Connection header names is dropped, and no empty Upgrade is made up.</summary>
    [Theory]
    [InlineData("Connection: keep-alive, X-Secret\r\nX-Secret: s3cret\r\n", "X-Secret")]
    [InlineData("Connection: keep-alive\r\nConnection: X-Secret\r\nX-Secret: s3cret\r\n", "X-Secret")]
    [InlineData("Connection: close, upgrade\r\n", "Upgrade")]
    [InlineData("Connection: upgrade, X-Secret\r\nX-Secret: s3cret\r\n", "X-Secret")]
    public async Task ConnectionNamedHeaders_NotForwarded(string headers, string absent)
    {
        var id = Guid.NewGuid().ToString("N");
        var response = await RawHttp.SendBytesAsync(_router.ProxyUri, Latin1($"GET /conn-{id} HTTP/1.1\r\nHost: {Host}\r\n{headers}X-Kept: yes\r\n\r\n"));
        Assert.Equal(200, response.Status);
        var seen = Assert.Single(_backend.RequestsWith($"/conn-{id}"));
        Assert.DoesNotContain($"\r\n{absent}:", seen, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("\r\nX-Kept: yes\r\n", seen, StringComparison.Ordinal);
    }

    /// <summary>Finding 4: a target that never answers gets the client a 504 after the target timeout, counted against it.</summary>
    [Fact]
    public async Task SilentTarget_504AfterTimeout_CountedAgainstTargetAndService()
    {
        var before = (await _router.StatusAsync(EdgeFixture.Service))!;
        var response = await RawHttp.SendAsync(_router.ProxyUri, "GET", $"{RawBackend.SilentPrefix}-{Guid.NewGuid():N}", host: Host);
        Assert.Equal(504, response.Status);
        Assert.Contains("did not answer within 2s", response.Body, StringComparison.Ordinal);

        var after = (await _router.StatusAsync(EdgeFixture.Service))!;
        Assert.Equal("2s", after.TargetTimeout);
        Assert.Equal(before.Active!.Targets.Single().ByClass.S5xx + 1, after.Active!.Targets.Single().ByClass.S5xx);
        Assert.Equal(before.RouterAnswers!.S504 + 1, after.RouterAnswers!.S504);
        var metrics = await _router.Admin.GetStringAsync("/metrics");
        Assert.Contains($"baton_router_responses_total{{service=\"raw\",code=\"504\"}} {after.RouterAnswers.S504}\n", metrics, StringComparison.Ordinal);
    }

    /// <summary>
    /// The target timeout runs from the last piece of the request body: an upload that trickles in for twice the
    /// timeout (2 s here) reaches the target whole and gets its answer, not a 504.
    /// </summary>
    [Fact]
    public async Task SlowUpload_LongerThanTheTimeout_ForwardedWholeAndAnswered()
    {
        var id = Guid.NewGuid().ToString("N");
        const string body = "0123456789";
        using var client = new System.Net.Sockets.TcpClient();
        await client.ConnectAsync(_router.ProxyUri.Host, _router.ProxyUri.Port);
        var stream = client.GetStream();
        await stream.WriteAsync(Latin1($"POST /upload-{id} HTTP/1.1\r\nHost: {Host}\r\nContent-Length: {body.Length}\r\nConnection: close\r\n\r\n"));
        var started = System.Diagnostics.Stopwatch.StartNew();
        foreach (var c in body)
        {
            await stream.WriteAsync(Latin1(c.ToString()));
            await Task.Delay(400);
        }
        Assert.True(started.Elapsed > TimeSpan.FromSeconds(3.5), $"the upload took only {started.Elapsed}");
        using var reader = new StreamReader(stream, Encoding.Latin1);
        var answer = await reader.ReadToEndAsync();

        Assert.StartsWith("HTTP/1.1 200 ", answer, StringComparison.Ordinal);
        var seen = Assert.Single(_backend.RequestsWith($"/upload-{id}"));
        Assert.EndsWith("\r\n\r\n" + body, seen, StringComparison.Ordinal);
    }

    /// <summary>The raw path is forwarded as sent (YARP alone would turn %2F into %252F), the forwarded-for chain is appended, the client's Host kept.</summary>
    [Fact]
    public async Task RawPathForwardedForAndHost_AsTheClientSent()
    {
        var id = Guid.NewGuid().ToString("N");
        var response = await RawHttp.SendAsync(_router.ProxyUri, "GET", $"/a/%2F..%2fb/{id}?x=%2F&y=a+b", host: Host, headers: ["X-Forwarded-For: 203.0.113.7"]);
        Assert.Equal(200, response.Status);
        var seen = Assert.Single(_backend.RequestsWith(id));
        Assert.StartsWith($"GET /a/%2F..%2fb/{id}?x=%2F&y=a+b HTTP/1.1\r\n", seen, StringComparison.Ordinal);
        Assert.Contains("\r\nX-Forwarded-For: 203.0.113.7, 127.0.0.1\r\n", seen, StringComparison.Ordinal);
        Assert.Contains($"\r\nHost: {Host}\r\n", seen, StringComparison.Ordinal);
        Assert.Contains($"\r\nX-Forwarded-Host: {Host}\r\n", seen, StringComparison.Ordinal);
    }

    /// <summary>
    /// The corpus of odd HTTP/1.1 requests. {id} marks the row's request; each row either is refused
    /// with a 4xx that reaches no target and is counted on none, or is forwarded as exactly one
    /// request whose bytes hold every <c>present</c> and no <c>absent</c> text.
    /// </summary>
    public static TheoryData<string, string, int, string, string> Corpus => new()
    {
        // name, request (Latin-1: one char per byte), status (4xx: refused), present ('|'-separated), absent ('|'-separated)
        { "non-ASCII in path", "GET /\u00c3\u00a4-{id} HTTP/1.1\r\nHost: raw.test\r\n\r\n", 400, "", "" },
        // Kestrel lets a control character through in an HTTP/1.1 target; Baton percent-encodes it like HTTP/2's.
        { "control character in path", "GET /a\u0001b-{id} HTTP/1.1\r\nHost: raw.test\r\n\r\n", 200, "GET /a%01b-{id} HTTP/1.1\r\n", "" },
        { "non-ASCII in query", "GET /q-{id}?n=J\u00c3\u00bcrgen HTTP/1.1\r\nHost: raw.test\r\n\r\n", 400, "", "" },
        // Baton refuses every control character in a value but tab (RFC 9110 §5.5), on HTTP/1.1 as on HTTP/2.
        { "control character in header value", "GET /ctl-{id} HTTP/1.1\r\nHost: raw.test\r\nX-A: a\u0001b\r\n\r\n", 400, "", "" },
        { "escape sequence in header value", "GET /esc-{id} HTTP/1.1\r\nHost: raw.test\r\nUser-Agent: a\u001b[31mb\r\n\r\n", 400, "", "" },
        { "tab in header value", "GET /tab-{id} HTTP/1.1\r\nHost: raw.test\r\nX-A: a\tb\r\n\r\n", 200, "\r\nX-A: a\tb\r\n", "" },
        { "NUL in header value", "GET /nul-{id} HTTP/1.1\r\nHost: raw.test\r\nX-A: a\u0000b\r\n\r\n", 400, "", "" },
        // Kestrel takes a bare LF for the end of a line (RFC 9112 §2.2 allows it): two headers, each forwarded with CRLF, nothing smuggled.
        { "bare LF in header value", "GET /lf-{id} HTTP/1.1\r\nHost: raw.test\r\nX-A: a\nInjected: 1\r\n\r\n", 200, "\r\nX-A: a\r\n|\r\nInjected: 1\r\n", "\n\n" },
        { "hop-by-hop list", "GET /hop-{id} HTTP/1.1\r\nHost: raw.test\r\nConnection: X-A, X-B\r\nX-A: 1\r\nX-B: 2\r\nKeep-Alive: timeout=5\r\nProxy-Connection: keep-alive\r\nX-C: 3\r\n\r\n",
            200, "GET /hop-{id} HTTP/1.1\r\n|\r\nX-C: 3\r\n", "\r\nX-A:|\r\nX-B:|\r\nKeep-Alive:|\r\nProxy-Connection:" },
        { "TE", "GET /te-{id} HTTP/1.1\r\nHost: raw.test\r\nTE: trailers, deflate\r\nConnection: TE\r\n\r\n", 200, "GET /te-{id} HTTP/1.1\r\n", "\r\nTE:" },
        { "Upgrade: h2c", "GET /h2c-{id} HTTP/1.1\r\nHost: raw.test\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\n\r\n",
            200, "GET /h2c-{id} HTTP/1.1\r\n", "\r\nUpgrade:|\r\nHTTP2-Settings:|Transfer-Encoding" },
        { "Expect: 100-continue", "POST /expect-{id} HTTP/1.1\r\nHost: raw.test\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\nhello",
            200, "POST /expect-{id} HTTP/1.1\r\n|\r\nContent-Length: 5\r\n|\r\n\r\nhello", "Transfer-Encoding" },
        { "absolute-form", "GET http://raw.test/abs-{id}?q=1 HTTP/1.1\r\nHost: raw.test\r\n\r\n", 200, "GET /abs-{id}?q=1 HTTP/1.1\r\n|\r\nHost: raw.test\r\n", "http://" },
        { "absolute-form for another host", "GET http://other.test/abs-{id} HTTP/1.1\r\nHost: raw.test\r\n\r\n", 400, "", "" },
        { "asterisk-form", "OPTIONS * HTTP/1.1\r\nHost: raw.test\r\nX-Row: {id}\r\n\r\n", 400, "", "" },
        { "long header", "GET /long-{id} HTTP/1.1\r\nHost: raw.test\r\nX-Long: " + new string('a', 16_000) + "\r\n\r\n", 200, "\r\nX-Long: " + new string('a', 16_000) + "\r\n", "" },
        { "header over the limit", "GET /huge-{id} HTTP/1.1\r\nHost: raw.test\r\nX-Long: " + new string('a', 40_000) + "\r\n\r\n", 431, "", "" },
        { "empty header", "GET /empty-{id} HTTP/1.1\r\nHost: raw.test\r\nX-Empty:\r\n\r\n", 200, "GET /empty-{id} HTTP/1.1\r\n|\r\nX-Empty: \r\n", "" },
        { "HTTP/1.0", "GET /old-{id} HTTP/1.0\r\nHost: raw.test\r\n\r\n", 200, "GET /old-{id} HTTP/1.1\r\n|\r\nHost: raw.test\r\n", "" },
        { "request line with two versions", "GET /two-{id} HTTP/1.0 HTTP/1.1\r\nHost: raw.test\r\n\r\n", 400, "", "" },
    };

    [Theory]
    [MemberData(nameof(Corpus))]
    public async Task OddRequest_RefusedUncountedOrForwardedOnce(string name, string request, int status, string present, string absent)
    {
        var id = Guid.NewGuid().ToString("N");
        long targetBefore = await TargetRequestsAsync();
        var response = await RawHttp.SendBytesAsync(_router.ProxyUri, Latin1(request.Replace("{id}", id, StringComparison.Ordinal)));
        Assert.True(status == response.Status, $"{name}: expected {status}, got {response.Status} {response.Body}");
        var seen = _backend.RequestTexts.Where(t => t.Contains(id, StringComparison.Ordinal)).ToList();
        if (status >= 400)
        {
            Assert.Empty(seen);
            Assert.Equal(targetBefore, await TargetRequestsAsync());
            return;
        }
        var one = Assert.Single(seen);
        foreach (var text in present.Split('|', StringSplitOptions.RemoveEmptyEntries))
            Assert.True(one.Contains(text.Replace("{id}", id, StringComparison.Ordinal), StringComparison.Ordinal), $"{name}: the target's request lacks {text}:\n{one}");
        foreach (var text in absent.Split('|', StringSplitOptions.RemoveEmptyEntries))
            Assert.False(one.Contains(text, StringComparison.OrdinalIgnoreCase), $"{name}: the target's request holds {text}:\n{one}");
    }

    /// <summary>HTTP/2 rows: a control character in a header value or :path is refused (or the stream reset); nothing reaches the target.</summary>
    [Theory]
    [InlineData("x-ctl", "a\u0001b", "/h2ctl")]
    [InlineData("x-nl", "a\r\nInjected: 1", "/h2nl")]
    public async Task Http2ControlInHeader_RefusedNothingForwarded(string name, string value, string path)
    {
        var id = Guid.NewGuid().ToString("N");
        long targetBefore = await TargetRequestsAsync();
        await using var client = await H2Client.ConnectAsync(H2Uri(tls: false));
        var answer = await client.GetAsync(Encoding.ASCII.GetBytes($"{path}-{id}"), Host, (name, value));
        Assert.True(answer.Status is -1 or (>= 400 and < 500), $"expected a refusal, got {answer.Status}");
        Assert.Empty(_backend.RequestsWith(id));
        Assert.Equal(targetBefore, await TargetRequestsAsync());
    }
}
