using System.Buffers.Text;
using System.Net;
using System.Text;
using System.Text.Json;

namespace Baton.Acme.Tests.Testing;

/// <summary>
/// A fake ACME server for unit tests: answers the directory and nonces itself, and each POST with
/// the script given for its path. Records every POST's path and protected header.
/// </summary>
internal sealed class ScriptedAcmeServer : HttpMessageHandler
{
    private int _nonce;
    private readonly Dictionary<string, Queue<Func<HttpResponseMessage>>> _script = [];

    public static readonly Uri DirectoryUrl = new("https://acme.test/dir");

    public List<(string Path, JsonElement Header)> Posts { get; } = [];

    /// <summary>Answers the next POSTs to <paramref name="path"/> in order; the last answer repeats.</summary>
    public ScriptedAcmeServer On(string path, params Func<HttpResponseMessage>[] answers)
    {
        _script[path] = new Queue<Func<HttpResponseMessage>>(answers);
        return this;
    }

    public static HttpResponseMessage Json(HttpStatusCode status, string json, string? location = null, string? retryAfter = null)
    {
        var response = new HttpResponseMessage(status) { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        if (location is not null) response.Headers.Location = new Uri(location);
        if (retryAfter is not null) response.Headers.TryAddWithoutValidation("Retry-After", retryAfter);
        return response;
    }

    public static HttpResponseMessage Problem(string type, string detail) =>
        new(HttpStatusCode.BadRequest) { Content = new StringContent($"{{\"type\":\"urn:ietf:params:acme:error:{type}\",\"detail\":\"{detail}\",\"status\":400}}", Encoding.UTF8, "application/problem+json") };

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var path = request.RequestUri!.AbsolutePath;
        HttpResponseMessage response;
        if (path == "/dir")
            response = Json(HttpStatusCode.OK, """{"newNonce":"https://acme.test/nonce","newAccount":"https://acme.test/account","newOrder":"https://acme.test/order"}""");
        else if (path == "/nonce") response = new HttpResponseMessage(HttpStatusCode.OK);
        else
        {
            var body = JsonDocument.Parse(await request.Content!.ReadAsStringAsync(cancellationToken)).RootElement;
            Posts.Add((path, JsonDocument.Parse(Base64Url.DecodeFromChars(body.GetProperty("protected").GetString()!)).RootElement.Clone()));
            var queue = _script[path];
            response = (queue.Count > 1 ? queue.Dequeue() : queue.Peek())();
        }
        response.Headers.Add("Replay-Nonce", $"nonce-{++_nonce}");
        return response;
    }
}

/// <summary>A clock whose delays pass at once: each one is recorded and the time moved on by it.</summary>
internal sealed class InstantClock : TimeProvider
{
    private DateTimeOffset _now = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public List<TimeSpan> Delays { get; } = [];

    public override DateTimeOffset GetUtcNow()
    {
        lock (Delays) return _now;
    }

    public void Advance(TimeSpan by)
    {
        lock (Delays) _now += by;
    }

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        if (dueTime != Timeout.InfiniteTimeSpan)
        {
            lock (Delays)
            {
                Delays.Add(dueTime);
                _now += dueTime;
            }
            ThreadPool.QueueUserWorkItem(_ => callback(state));
        }
        return new NoTimer();
    }

    private sealed class NoTimer : ITimer
    {
        public bool Change(TimeSpan dueTime, TimeSpan period) => true;
        public void Dispose() { }
        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
