using System.Globalization;

namespace Baton.Contracts;

/// <summary>
/// Durations as users write them: <c>500ms</c>, <c>30s</c>, <c>2m</c>, <c>1h</c>, <c>30d</c>, or a plain number of seconds.
/// The CLI passes the text unchanged and the server parses it, so both give the same error.
/// </summary>
public static class Durations
{
    public static bool TryParse(string? text, out TimeSpan value)
    {
        value = default;
        if (string.IsNullOrWhiteSpace(text)) return false;
        var s = text.Trim();
        (string number, double scale) = s switch
        {
            _ when s.EndsWith("ms", StringComparison.OrdinalIgnoreCase) => (s[..^2], 0.001),
            _ when s.EndsWith('s') || s.EndsWith('S') => (s[..^1], 1.0),
            _ when s.EndsWith('m') || s.EndsWith('M') => (s[..^1], 60.0),
            _ when s.EndsWith('h') || s.EndsWith('H') => (s[..^1], 3600.0),
            _ when s.EndsWith('d') || s.EndsWith('D') => (s[..^1], 86400.0),
            _ => (s, 1.0),
        };
        if (!double.TryParse(number, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var n) || n < 0 || double.IsInfinity(n))
            return false;
        var seconds = n * scale;
        if (seconds > TimeSpan.FromDays(365).TotalSeconds) return false;
        value = TimeSpan.FromSeconds(seconds);
        return true;
    }

    /// <summary>Parses <paramref name="text"/>, or returns <paramref name="fallback"/> when it is empty; <c>null</c> error means success.</summary>
    public static string? Parse(string? text, string field, TimeSpan fallback, out TimeSpan value)
    {
        if (string.IsNullOrWhiteSpace(text)) { value = fallback; return null; }
        if (TryParse(text, out value)) return null;
        return $"{field} '{text}' is not a duration: write it like 500ms, 30s or 2m.";
    }

    public static string Format(TimeSpan t) =>
        t.TotalMilliseconds < 1000 ? $"{t.TotalMilliseconds:0}ms"
        : t.TotalSeconds < 120 ? $"{t.TotalSeconds:0.#}s".Replace(',', '.')
        : $"{t.TotalMinutes:0.#}m".Replace(',', '.');
}
