using System.Globalization;
using System.Runtime.CompilerServices;
using Baton.Docker;

namespace Baton.Deploy.Logs;

/// <summary>
/// The container logs of one service, as <c>baton logs</c> shows them: every replica (web, workers,
/// release task) on every engine of the fleet, each line prefixed with its container's name, the
/// containers' lines merged in the order the engine timestamped them.
/// </summary>
/// <param name="release">Only this release's containers, running or not; null: the containers running now.</param>
public sealed class ServiceLogs(IContainerEngine engine, string service, string? release)
{
    /// <summary>The most lines read back per container, the app servers' agent's own limit too.</summary>
    public const int MaxTail = 10_000;

    /// <summary>The containers whose logs are shown; an empty list when the service (or release) has none.</summary>
    public async Task<DockerResult<IReadOnlyList<ContainerSummary>>> ContainersAsync(CancellationToken ct)
    {
        List<string> labels = [$"{ContainerLabels.Service}={service}"];
        if (release is not null) labels.Add($"{ContainerLabels.Release}={release}");
        var listed = await engine.Containers.ListAsync(labels, ct).ConfigureAwait(false);
        if (!listed.TryGetValue(out var all, out var error)) return error;
        return all.Where(c => release is not null || c.State == "running").OrderBy(c => c.Name, StringComparer.Ordinal).ToList();
    }

    /// <summary>
    /// Steps: 1. the last <paramref name="tail"/> lines of each of <paramref name="containers"/>, merged
    /// by time; 2. with <paramref name="follow"/>, every <paramref name="interval"/>: list the containers
    /// again (a deploy's new ones join) and read what each wrote since its last line, until
    /// <paramref name="ct"/> is cancelled. A container whose logs cannot be read gives one line saying
    /// so (once until it can be read again); the others go on.
    /// </summary>
    public async IAsyncEnumerable<string> ReadAsync(IReadOnlyList<ContainerSummary> containers, int tail, bool follow, TimeSpan interval,
        TimeProvider time, [EnumeratorCancellation] CancellationToken ct)
    {
        var seen = new Dictionary<string, Position>(StringComparer.Ordinal);
        int width = 0;

        // Step 1
        var batch = new List<(Line Line, string Prefix)>();
        var read = new List<(Line Line, string Prefix)>();
        foreach (var c in containers)
        {
            var position = seen[c.Id] = new Position(Prefix(c));
            width = Math.Max(width, position.Prefix.Length);
            // A follow with no tail still reads the last line, unshown: it is where the follow starts, by the engine's own clock.
            read.Clear();
            await ReadIntoAsync(c, position, follow ? Math.Max(tail, 1) : tail, read, ct).ConfigureAwait(false);
            int shown = read.Count(r => r.Line.Nanos != Line.Failure);
            batch.AddRange(read.Where((r, i) => r.Line.Nanos == Line.Failure || i >= shown - tail));
        }
        foreach (var line in Merge(batch, width)) yield return line;

        // Step 2
        while (follow && !ct.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(interval, time, ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                yield break;
            }
            batch.Clear();
            var listed = await ContainersAsync(ct).ConfigureAwait(false);
            var current = listed.TryGetValue(out var list, out _) ? list : [.. containers];
            foreach (var c in current)
            {
                if (!seen.TryGetValue(c.Id, out var position))
                {
                    // A container that started while following: all it wrote so far.
                    position = seen[c.Id] = new Position(Prefix(c));
                    width = Math.Max(width, position.Prefix.Length);
                }
                await ReadIntoAsync(c, position, MaxTail, batch, ct).ConfigureAwait(false);
            }
            foreach (var line in Merge(batch, width)) yield return line;
        }
    }

    /// <summary>Reads a container's lines after its position into <paramref name="batch"/>, and moves the position on.</summary>
    private async Task ReadIntoAsync(ContainerSummary c, Position position, int lines, List<(Line, string)> batch, CancellationToken ct)
    {
        DateTimeOffset? since = position.LastNanos is { } last ? DateTimeOffset.UnixEpoch.AddTicks(last / 100) : null;
        var read = await engine.Containers.TimestampedLogsAsync(c.Id, lines, since, ct).ConfigureAwait(false);
        if (!read.TryGetValue(out var text, out var error))
        {
            if (ct.IsCancellationRequested) return;
            if (!position.Failing) batch.Add((new Line(Line.Failure, $"(baton) {error.Message}"), position.Prefix));
            position.Failing = true;
            return;
        }
        position.Failing = false;
        // The engine's since includes that very instant (and is given in 100 ns steps): skip what was shown.
        long? shownUntil = position.LastNanos;
        int skip = position.AtLast;
        foreach (var raw in text.Split('\n'))
        {
            if (raw.Length == 0) continue;
            var line = Line.Parse(raw.TrimEnd('\r'));
            if (shownUntil is { } until)
            {
                if (line.Nanos < until) continue;
                if (line.Nanos == until && skip > 0)
                {
                    skip--;
                    continue;
                }
            }
            batch.Add((line, position.Prefix));
            if (line.Nanos == position.LastNanos) position.AtLast++;
            else if (line.Nanos > (position.LastNanos ?? long.MinValue))
            {
                position.LastNanos = line.Nanos;
                position.AtLast = 1;
            }
        }
    }

    private static IEnumerable<string> Merge(List<(Line Line, string Prefix)> batch, int width) =>
        batch.OrderBy(b => b.Line.Nanos).Select(b => $"{b.Prefix.PadRight(width)} | {b.Line.Text}");

    /// <summary>The container's name, after its app server's when it runs on one (<c>app1/web-blue-r3-1</c>; a fleet's id names the server).</summary>
    private static string Prefix(ContainerSummary c) =>
        Servers.ServerFleet.ServerOf(c.Id) is { Length: > 0 } server ? $"{server}/{c.Name}" : c.Name;

    /// <summary>How far a container's log was shown: the last line's time, and how many lines at that very time were shown.</summary>
    private sealed class Position(string prefix)
    {
        public string Prefix { get; } = prefix;
        public long? LastNanos { get; set; }
        public int AtLast { get; set; }
        public bool Failing { get; set; }
    }

    /// <summary>One line: nanoseconds since the epoch (the engine's timestamp) and its text.</summary>
    internal readonly record struct Line(long Nanos, string Text)
    {
        /// <summary>The time of a line that says a container's logs could not be read: after all others of its batch.</summary>
        public const long Failure = long.MaxValue;

        /// <summary>Splits <c>2026-12-07T02:49:06.123456789Z text</c>; a line without a timestamp keeps its text, at time 0.</summary>
        public static Line Parse(string raw)
        {
            int space = raw.IndexOf(' ');
            var stamp = space < 0 ? raw : raw[..space];
            var text = space < 0 ? "" : raw[(space + 1)..];
            return TryParseNanos(stamp, out var nanos) ? new Line(nanos, text) : new Line(0, raw);
        }

        /// <summary>RFC 3339 with up to nine fraction digits, which <see cref="DateTimeOffset"/> alone cannot hold.</summary>
        public static bool TryParseNanos(string stamp, out long nanos)
        {
            nanos = 0;
            int dot = stamp.IndexOf('.');
            long fraction = 0;
            string whole = stamp;
            if (dot > 0)
            {
                int end = dot + 1;
                while (end < stamp.Length && char.IsAsciiDigit(stamp[end])) end++;
                var digits = stamp[(dot + 1)..end];
                if (digits.Length is 0 or > 9) return false;
                fraction = long.Parse(digits.PadRight(9, '0'), CultureInfo.InvariantCulture);
                whole = stamp[..dot] + stamp[end..];
            }
            if (!DateTimeOffset.TryParseExact(whole, ["yyyy-MM-dd'T'HH:mm:ssK", "yyyy-MM-dd'T'HH:mm:ss'Z'"], CultureInfo.InvariantCulture,
                    DateTimeStyles.AssumeUniversal, out var at)) return false;
            nanos = (at.UtcTicks - DateTime.UnixEpoch.Ticks) * 100 + fraction;
            return true;
        }
    }
}
