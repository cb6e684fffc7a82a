namespace Baton.Deploy;

/// <summary>An image reference as users give it: <c>REPOSITORY:TAG</c> or <c>REPOSITORY@sha256:…</c>.</summary>
public static class ImageReference
{
    public static bool IsValid(string? image, out string error)
    {
        error = "";
        var s = image?.Trim() ?? "";
        int slash = s.LastIndexOf('/');
        bool hasTag = s.IndexOf(':', slash + 1) > slash + 1;
        bool hasDigest = s.Contains("@sha256:", StringComparison.Ordinal);
        if (s.Length == 0 || s.Any(char.IsWhiteSpace) || s.StartsWith(':') || s.StartsWith('/'))
        {
            error = $"Image '{image}' is not REPOSITORY:TAG (for example 127.0.0.1:5000/shop:v2).";
            return false;
        }
        if (!hasTag && !hasDigest)
        {
            error = $"Image '{image}' has no tag: write REPOSITORY:TAG (for example {s}:v2) so the release is explicit.";
            return false;
        }
        return true;
    }

    /// <summary>The repository part: <c>127.0.0.1:5000/shop:v2</c> → <c>127.0.0.1:5000/shop</c>.</summary>
    public static string Repository(string image)
    {
        var at = image.IndexOf('@', StringComparison.Ordinal);
        if (at >= 0) return image[..at];
        int slash = image.LastIndexOf('/');
        int colon = image.IndexOf(':', slash + 1);
        return colon > 0 ? image[..colon] : image;
    }
}
