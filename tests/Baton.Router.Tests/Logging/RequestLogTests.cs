using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Text.Json;
using Baton.Router.Logging;
using Baton.Router.Metrics;
using Baton.Router.Tests.Testing;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging.Abstractions;

namespace Baton.Router.Tests.Logging;

/// <summary>The request log's line, its sampling and its queue: a sink stands in for the file.</summary>
public sealed class RequestLogTests
{
    private static readonly DateTimeOffset Noon = new(2026, 12, 7, 12, 0, 0, 123, TimeSpan.Zero);

    /// <summary>A request carrying every kind of secret a client sends: cookies, authorization, a token in the query.</summary>
    private static DefaultHttpContext SecretBearingRequest(string path = "/orders/7")
    {
        var context = new DefaultHttpContext();
        var request = context.Request;
        request.Method = "POST";
        request.Path = path;
        request.QueryString = new QueryString("?token=query-secret&user=alice");
        request.Headers.Cookie = "session=cookie-secret; theme=dark";
        request.Headers.Authorization = "Bearer auth-secret";
        request.Headers["Proxy-Authorization"] = "Basic proxy-secret";
        request.Headers["X-Api-Key"] = "key-secret";
        request.Headers.UserAgent = "curl/8.5.0 \"quoted\"";
        request.Body = new MemoryStream(Encoding.ASCII.GetBytes("0123456789"));
        context.Response.Body = new MemoryStream();
        context.Connection.RemoteIpAddress = IPAddress.Parse("::ffff:10.1.2.3");
        return context;
    }

    private sealed class Lines
    {
        private readonly BlockingCollection<string> _lines = [];
        public Func<ReadOnlyMemory<byte>, bool> Sink => batch =>
        {
            foreach (var line in Encoding.UTF8.GetString(batch.Span).Split('\n', StringSplitOptions.RemoveEmptyEntries)) _lines.Add(line);
            return true;
        };

        public string Take() => _lines.TryTake(out var line, TimeSpan.FromSeconds(10)) ? line : throw new TimeoutException("no log line was written");
        public int Count => _lines.Count;
    }

    private static RequestLog NewLog(Lines lines, RouterCounters? counters = null, double sample = 1, int capacity = 1024)
    {
        var clock = new ManualTimeProvider();
        clock.Advance(Noon - clock.GetUtcNow());
        return new(new RequestLogOptions { Destination = "test", SampleRate = sample, QueueCapacity = capacity }, counters ?? new RouterCounters(),
            clock, NullLogger.Instance, lines.Sink);
    }

    [Fact]
    public async Task End_SampledRequest_OneJsonLineWithEveryField()
    {
        var lines = new Lines();
        await using var log = NewLog(lines);
        var context = SecretBearingRequest();
        var record = log.Begin(context, "req-42", "shop.example.com", "/orders/7")!;
        record.Service = "web";
        record.Colour = "green";
        record.Target = "127.0.0.1:5001";
        // The forwarder reads the body and writes the answer through the counting streams.
        await context.Request.Body.CopyToAsync(Stream.Null);
        await context.Response.Body.WriteAsync(Encoding.ASCII.GetBytes("hello, world"));
        log.End(record, 201, System.Diagnostics.Stopwatch.GetTimestamp());

        var line = lines.Take();
        using var json = JsonDocument.Parse(line);
        var root = json.RootElement;
        Assert.Equal(
            ["time", "request_id", "service", "release", "color", "target", "method", "host", "path", "status", "duration_ms", "bytes_in", "bytes_out", "client", "user_agent"],
            root.EnumerateObject().Select(p => p.Name));
        Assert.Equal("2026-12-07T12:00:00.123Z", root.GetProperty("time").GetString());
        Assert.Equal("req-42", root.GetProperty("request_id").GetString());
        Assert.Equal("web", root.GetProperty("service").GetString());
        Assert.Equal(JsonValueKind.Null, root.GetProperty("release").ValueKind);
        Assert.Equal("green", root.GetProperty("color").GetString());
        Assert.Equal("127.0.0.1:5001", root.GetProperty("target").GetString());
        Assert.Equal("POST", root.GetProperty("method").GetString());
        Assert.Equal("shop.example.com", root.GetProperty("host").GetString());
        Assert.Equal("/orders/7", root.GetProperty("path").GetString());
        Assert.Equal(201, root.GetProperty("status").GetInt32());
        Assert.True(root.GetProperty("duration_ms").GetDouble() >= 0);
        Assert.Equal(10, root.GetProperty("bytes_in").GetInt64());
        Assert.Equal(12, root.GetProperty("bytes_out").GetInt64());
        Assert.Equal("10.1.2.3", root.GetProperty("client").GetString());
        Assert.Equal("curl/8.5.0 \"quoted\"", root.GetProperty("user_agent").GetString());
        Assert.DoesNotContain('\n', line);
    }

    [Fact]
    public async Task End_RequestWithCookiesAuthorizationAndQuery_NoneOfThemInTheLine()
    {
        var lines = new Lines();
        await using var log = NewLog(lines);
        var context = SecretBearingRequest();
        var record = log.Begin(context, "id-1", "shop.example.com", context.Request.Path.Value!)!;
        log.End(record, 200, System.Diagnostics.Stopwatch.GetTimestamp());

        var line = lines.Take();
        foreach (var secret in new[] { "query-secret", "token", "alice", "cookie-secret", "session", "auth-secret", "Bearer", "proxy-secret", "key-secret", "?" })
            Assert.DoesNotContain(secret, line);
    }

    [Fact]
    public async Task End_NoRoute_NullServiceColourAndTarget()
    {
        var lines = new Lines();
        await using var log = NewLog(lines);
        var context = new DefaultHttpContext();
        context.Request.Method = "GET";
        var record = log.Begin(context, "id-2", "nowhere.example.com", "/")!;
        log.End(record, 404, System.Diagnostics.Stopwatch.GetTimestamp());

        using var json = JsonDocument.Parse(lines.Take());
        foreach (var field in new[] { "service", "release", "color", "target", "client", "user_agent" })
            Assert.Equal(JsonValueKind.Null, json.RootElement.GetProperty(field).ValueKind);
        Assert.Equal(404, json.RootElement.GetProperty("status").GetInt32());
        Assert.Equal(0, json.RootElement.GetProperty("bytes_in").GetInt64());
    }

    [Fact]
    public async Task End_LongUserAgentAndControlCharacters_CutAndEscapedOnOneLine()
    {
        var lines = new Lines();
        await using var log = NewLog(lines);
        var context = new DefaultHttpContext();
        context.Request.Method = "GET";
        context.Request.Headers.UserAgent = new string('a', 2000);
        var record = log.Begin(context, "id-3", "h", "/a\nb\u0001\"c")!;
        log.End(record, 200, System.Diagnostics.Stopwatch.GetTimestamp());

        var line = lines.Take();
        using var json = JsonDocument.Parse(line);
        Assert.Equal(RequestLogFormat.MaxUserAgent, json.RootElement.GetProperty("user_agent").GetString()!.Length);
        Assert.Equal("/a\nb\u0001\"c", json.RootElement.GetProperty("path").GetString());
        Assert.DoesNotContain('\n', line);
    }

    [Fact]
    public async Task Begin_SampleRateQuarter_AboutOneRequestInFour()
    {
        var lines = new Lines();
        await using var log = NewLog(lines, sample: 0.25);
        int sampled = 0;
        for (int i = 0; i < 4000; i++)
            if (log.Begin(new DefaultHttpContext(), "id", "h", "/") is not null) sampled++;
        // Binomial(4000, 0.25): mean 1000, standard deviation 27; ±200 is more than 7 deviations.
        Assert.InRange(sampled, 800, 1200);
    }

    [Fact]
    public async Task Begin_NotSampled_BodiesLeftAlone()
    {
        var lines = new Lines();
        await using var log = NewLog(lines, sample: 1e-12);
        var context = new DefaultHttpContext();
        var body = context.Response.Body;
        Assert.Null(log.Begin(context, "id", "h", "/"));
        Assert.Same(body, context.Response.Body);
    }

    [Fact]
    public async Task End_WriterStuck_LinesDroppedAndCountedWithoutBlocking()
    {
        var counters = new RouterCounters();
        using var release = new ManualResetEventSlim();
        int written = 0;
        var log = new RequestLog(new RequestLogOptions { Destination = "test", QueueCapacity = 10 }, counters, TimeProvider.System, NullLogger.Instance,
            batch =>
            {
                release.Wait(); // a disk that stopped answering
                Interlocked.Add(ref written, Encoding.UTF8.GetString(batch.Span).Count(c => c == '\n'));
                return true;
            });
        // Were an offer to wait for the writer, this loop would never end: the writer waits for the test.
        for (int i = 0; i < 1000; i++)
        {
            var context = new DefaultHttpContext();
            log.End(log.Begin(context, $"id-{i}", "h", "/")!, 200, System.Diagnostics.Stopwatch.GetTimestamp());
        }
        // The writer holds at most one batch (64 KB, lines of over 100 bytes) plus a full queue; the rest were dropped, and counted.
        Assert.InRange(counters.RequestLogDropped, 1000 - 10 - 64 * 1024 / 100, 1000 - 10);
        release.Set();
        await log.DisposeAsync();
        Assert.Equal(1000, written + counters.RequestLogDropped);
    }

    [Fact]
    public async Task DisposeAsync_LinesQueued_AllWrittenFirst()
    {
        var lines = new Lines();
        var log = NewLog(lines);
        for (int i = 0; i < 500; i++)
            log.End(log.Begin(new DefaultHttpContext(), $"id-{i}", "h", "/")!, 200, System.Diagnostics.Stopwatch.GetTimestamp());
        await log.DisposeAsync();
        Assert.Equal(500, lines.Count);
    }
}
