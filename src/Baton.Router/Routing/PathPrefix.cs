namespace Baton.Router.Routing;

public static class PathPrefix
{
    /// <summary>Normalises a prefix to start with '/' and end without one (except the root).</summary>
    public static bool TryNormalize(string? text, out string prefix, out string error)
    {
        error = "";
        prefix = "/";
        var s = (text ?? "/").Trim();
        if (s.Length == 0) s = "/";
        if (!s.StartsWith('/') || s.Contains('?') || s.Contains('#') || s.Contains("//") || s.Any(char.IsWhiteSpace))
        {
            error = $"Path '{text}' is not a path prefix: it must start with / (for example /api).";
            return false;
        }
        prefix = s.Length > 1 ? s.TrimEnd('/') : s;
        if (prefix.Length == 0) prefix = "/";
        return true;
    }

    /// <summary><c>/api</c> matches <c>/api</c>, <c>/api/</c> and <c>/api/x</c>, not <c>/apix</c>.</summary>
    public static bool Matches(string prefix, string path)
    {
        if (prefix.Length == 1) return true;
        if (!path.StartsWith(prefix, StringComparison.OrdinalIgnoreCase)) return false;
        return path.Length == prefix.Length || path[prefix.Length] == '/';
    }
}
