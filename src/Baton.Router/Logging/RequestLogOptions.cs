using System.Globalization;

namespace Baton.Router.Logging;

/// <summary>
/// The router's request log: one JSON line per request, to standard output or to a file that is
/// rotated by size. Off unless a destination is given.
/// </summary>
public sealed record RequestLogOptions
{
    /// <summary>The value of <see cref="Destination"/> that writes to the process's standard output.</summary>
    public const string StandardOutput = "stdout";

    /// <summary><c>stdout</c>, or the path of the log file.</summary>
    public required string Destination { get; init; }

    /// <summary>The share of requests written, more than 0 and at most 1; each request is drawn at random.</summary>
    /// <value>The default is 1: every request.</value>
    public double SampleRate { get; init; } = 1;

    /// <summary>A log file that would grow past this size is renamed <c>FILE.1</c> (and older ones shifted) first.</summary>
    /// <value>The default is 100 MiB.</value>
    public long MaxFileBytes { get; init; } = DefaultMaxFileBytes;

    /// <summary>Rotated files kept beside the current one (<c>FILE.1</c> … <c>FILE.N</c>); 0 keeps none.</summary>
    /// <value>The default is 5.</value>
    public int KeepFiles { get; init; } = 5;

    /// <summary>Lines waiting for the writer at most; when it is full a line is dropped and counted, never waited for.</summary>
    /// <value>The default is 16,384.</value>
    public int QueueCapacity { get; init; } = 16_384;

    public const long DefaultMaxFileBytes = 100L * 1024 * 1024;

    public bool ToStandardOutput => Destination == StandardOutput;

    /// <summary>
    /// Builds the options from the flags as typed (<c>--request-log</c>, <c>--request-log-sample</c>,
    /// <c>--request-log-max-size</c>, <c>--request-log-keep</c>). Null destination or <c>off</c>: no
    /// log, and then the other flags are refused, since nothing would honour them.
    /// </summary>
    /// <returns>Null when valid (<paramref name="options"/> null: the log is off), else one sentence.</returns>
    public static string? Parse(string? destination, string? sample, string? maxSize, string? keep, out RequestLogOptions? options)
    {
        options = null;
        if (string.IsNullOrWhiteSpace(destination) || destination.Equals("off", StringComparison.OrdinalIgnoreCase))
        {
            var orphan = sample is not null ? "--request-log-sample" : maxSize is not null ? "--request-log-max-size" : keep is not null ? "--request-log-keep" : null;
            return orphan is null ? null : $"{orphan} needs --request-log stdout or --request-log FILE; the request log is off without it.";
        }
        var result = new RequestLogOptions { Destination = destination };
        if (sample is not null)
        {
            if (!double.TryParse(sample, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var rate) || rate <= 0 || rate > 1)
                return $"--request-log-sample '{sample}' is not a share of requests: give a number more than 0 and at most 1, e.g. 0.1 for one request in ten.";
            result = result with { SampleRate = rate };
        }
        bool toFile = !destination.Equals(StandardOutput, StringComparison.Ordinal);
        if (!toFile && (maxSize ?? keep) is not null)
            return $"{(maxSize is not null ? "--request-log-max-size" : "--request-log-keep")} applies to a log file; standard output is not rotated.";
        if (maxSize is not null)
        {
            if (!TryParseSize(maxSize, out var bytes) || bytes < 1024 * 1024)
                return $"--request-log-max-size '{maxSize}' is not a size of at least 1MB: write it like 50MB or 1GB.";
            result = result with { MaxFileBytes = bytes };
        }
        if (keep is not null)
        {
            if (!int.TryParse(keep, NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n > 100)
                return $"--request-log-keep '{keep}' is not a number of files from 0 to 100.";
            result = result with { KeepFiles = n };
        }
        if (toFile && (Directory.Exists(destination) || destination.EndsWith('/')))
            return $"--request-log '{destination}' is a directory; give a file path, e.g. {Path.Combine(destination, "requests.log")}.";
        options = result;
        return null;
    }

    /// <summary>Sizes as users write them: <c>500KB</c>, <c>50MB</c>, <c>1GB</c> (powers of 1024), or bytes.</summary>
    public static bool TryParseSize(string text, out long bytes)
    {
        bytes = 0;
        var s = text.Trim();
        long scale = 1;
        foreach (var (suffix, value) in new[] { ("KB", 1L << 10), ("MB", 1L << 20), ("GB", 1L << 30), ("K", 1L << 10), ("M", 1L << 20), ("G", 1L << 30), ("B", 1L) })
        {
            if (s.EndsWith(suffix, StringComparison.OrdinalIgnoreCase))
            {
                s = s[..^suffix.Length].TrimEnd();
                scale = value;
                break;
            }
        }
        if (!double.TryParse(s, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var n) || n <= 0 || n * scale > (double)(1L << 50))
            return false;
        bytes = (long)(n * scale);
        return true;
    }
}
