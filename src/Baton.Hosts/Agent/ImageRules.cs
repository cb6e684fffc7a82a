using System.Text.RegularExpressions;

namespace Baton.Hosts.Agent;

/// <summary>
/// Which image references a host allows. A reference is checked as written against the config's entries: under a
/// folder (<c>registry.example.com/team/</c>), or of one repository (<c>127.0.0.1:5000/baton-sample</c>, any tag
/// or digest). An image id (<c>sha256:…</c>, which the deployer pins) is allowed when the local image it names
/// is known by a tag or digest that is.
/// </summary>
internal static partial class ImageRules
{
    /// <summary>Docker's grammar, strictly: an optional registry host[:port], path components of [a-z0-9] joined by . _ __ -, then :tag or @digest.</summary>
    public static bool IsReference(string reference) => Reference().IsMatch(reference);

    /// <summary>An image id, full (<c>sha256:</c> and 64 hex digits) or short (12 to 64 hex digits), not a repository name.</summary>
    public static bool IsId(string reference) => Id().IsMatch(reference);

    public static bool Allowed(string reference, IReadOnlyList<string> entries) =>
        entries.Any(e => e.EndsWith('/')
            ? reference.StartsWith(e, StringComparison.Ordinal) && reference.Length > e.Length
            : reference.StartsWith(e, StringComparison.Ordinal) && (reference.Length == e.Length || reference[e.Length] is ':' or '@'));

    [GeneratedRegex(@"^(?:(?:[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*(?::[0-9]{1,5})?)/)?[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*)*(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(?:@sha256:[a-f0-9]{64})?$")]
    private static partial Regex Reference();

    [GeneratedRegex(@"^(?:sha256:[a-f0-9]{64}|[a-f0-9]{12,64})$")]
    private static partial Regex Id();
}
