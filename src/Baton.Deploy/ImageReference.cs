using System.Text.RegularExpressions;

namespace Baton.Deploy;

/// <summary>An image reference as users give it: <c>REPOSITORY:TAG</c> or <c>REPOSITORY@sha256:…</c>.</summary>
public static partial class ImageReference
{
    /// <summary>
    /// Checks the reference against the grammar registries and engines accept (an optional
    /// registry host and port, lower-case path components, a tag of word characters, dots and
    /// dashes, or a sha256 digest), so a bad one is refused before anything is recorded.
    /// </summary>
    public static bool IsValid(string? image, out string error)
    {
        error = "";
        var s = image?.Trim() ?? "";
        int slash = s.LastIndexOf('/');
        bool hasTag = s.IndexOf(':', slash + 1) > slash + 1;
        bool hasDigest = s.Contains("@sha256:", StringComparison.Ordinal);
        if (s.Length == 0 || s.Length > 512 || !Grammar().IsMatch(s))
        {
            error = $"Image '{image}' is not REPOSITORY:TAG (for example 127.0.0.1:5000/shop:v2): a repository is lower-case letters, digits and . _ - separated by /, after an optional registry host:port; a tag is letters, digits, _ . and -.";
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
        if (at >= 0) image = image[..at];
        int slash = image.LastIndexOf('/');
        int colon = image.IndexOf(':', slash + 1);
        return colon > 0 ? image[..colon] : image;
    }

    [GeneratedRegex(@"^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*(?::[0-9]{1,5})?/)?[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(?:@sha256:[0-9a-f]{64})?$", RegexOptions.CultureInvariant)]
    private static partial Regex Grammar();
}
