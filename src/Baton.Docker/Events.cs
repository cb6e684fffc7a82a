using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;

namespace Baton.Docker;

/// <summary>One engine event, e.g. Type container, Action start; Attributes carry the container's name, image and labels.</summary>
public sealed record DockerEvent(
    string Type,
    string Action,
    string ActorId,
    IReadOnlyDictionary<string, string> Attributes,
    DateTimeOffset Time)
{
    /// <summary>The container's (or other actor's) name, when the engine gave one.</summary>
    public string? Name => Attributes.GetValueOrDefault("name");

    internal static DockerEvent From(WireEvent e) => new(
        e.Type ?? "",
        e.Action ?? "",
        e.Actor?.Id ?? "",
        e.Actor?.Attributes ?? [],
        DateTimeOffset.UnixEpoch.AddTicks(e.TimeNano / 100));
}

/// <summary>
/// An open event stream. Enumerate it once; it ends when the caller cancels, the subscription is disposed, or the
/// engine closes the stream, in which case <see cref="Failure"/> says why when it was not a clean end.
/// </summary>
public sealed class EventSubscription : IEventSubscription
{
    private readonly HttpResponseMessage response;
    private readonly DockerEndpoint endpoint;
    private readonly CancellationTokenSource disposed = new();

    internal EventSubscription(HttpResponseMessage response, DockerEndpoint endpoint)
    {
        this.response = response;
        this.endpoint = endpoint;
    }

    /// <summary>Set when the stream broke rather than ended; a watcher then resubscribes (with since) to catch up.</summary>
    public DockerError? Failure { get; private set; }

    public async IAsyncEnumerator<DockerEvent> GetAsyncEnumerator(CancellationToken cancellationToken = default)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, disposed.Token);
        var stream = await response.Content.ReadAsStreamAsync(linked.Token).ConfigureAwait(false);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        while (true)
        {
            string? line;
            try
            {
                line = await reader.ReadLineAsync(linked.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (disposed.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                yield break;
            }
            catch (Exception e) when (e is IOException or HttpRequestException && !linked.IsCancellationRequested)
            {
                Failure = new DockerError(DockerErrorKind.EngineUnreachable,
                    $"The event stream from the Docker engine at {endpoint} broke: {e.Message.TrimEnd('.')}.");
                yield break;
            }
            if (line is null) yield break;
            if (line.Length == 0) continue;
            if (DockerJson.TryParse(line, DockerJson.Default.WireEvent) is { } wire) yield return DockerEvent.From(wire);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await disposed.CancelAsync().ConfigureAwait(false);
        response.Dispose();
        disposed.Dispose();
    }
}

/// <summary>The engine's event stream (GET /events), filtered by label.</summary>
public sealed class Events : IEvents
{
    private readonly DockerEngine engine;

    internal Events(DockerEngine engine) => this.engine = engine;

    /// <summary>
    /// Opens the stream of events of containers that carry every one of <paramref name="labels"/> (<c>key</c> or
    /// <c>key=value</c>); <paramref name="since"/> replays events from that time first so none fall in a gap.
    /// </summary>
    public async Task<DockerResult<IEventSubscription>> SubscribeAsync(
        IReadOnlyList<string>? labels = null, DateTimeOffset? since = null, CancellationToken cancellationToken = default)
    {
        labels ??= ["baton.service"];
        var path = "events?filters=" + Filter(labels, container: true)
            + (since is { } s ? "&since=" + s.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture) : "");
        var opened = await engine.OpenStreamAsync(DockerEngine.Request(HttpMethod.Get, path),
            $"watch events of containers labelled {string.Join(", ", labels)}", cancellationToken).ConfigureAwait(false);
        return opened.TryGetValue(out var response, out var error) ? new EventSubscription(response, engine.Endpoint) : error;
    }

    /// <summary>Subscribes and enumerates in one go; a failure to subscribe is thrown as <see cref="DockerException"/>.</summary>
    public async IAsyncEnumerable<DockerEvent> StreamAsync(
        IReadOnlyList<string>? labels = null, DateTimeOffset? since = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await using var subscription = (await SubscribeAsync(labels, since, cancellationToken).ConfigureAwait(false)).Value;
        await foreach (var e in subscription.WithCancellation(cancellationToken).ConfigureAwait(false)) yield return e;
    }

    /// <summary>The engine's filters query value: URL-escaped JSON such as {"label":["baton.service=web"]}.</summary>
    internal static string LabelFilter(IReadOnlyList<string> labels) => Filter(labels, container: false);

    private static string Filter(IReadOnlyList<string> labels, bool container)
    {
        var filters = new Dictionary<string, List<string>>();
        if (labels.Count > 0) filters["label"] = [.. labels];
        if (container) filters["type"] = ["container"];
        return Uri.EscapeDataString(JsonSerializer.Serialize(filters, DockerJson.Default.DictionaryStringListString));
    }
}
