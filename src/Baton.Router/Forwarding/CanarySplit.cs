using Microsoft.Extensions.Primitives;

namespace Baton.Router.Forwarding;

/// <summary>
/// Which side of a canary split a request goes to. Each client holds a bucket 0–9999 in the
/// <see cref="BucketCookie"/> cookie; buckets below percent × 100 go to the candidate. Since the
/// bucket never changes, a client stays on its side, and raising the percent only moves clients
/// from the live pool to the candidate (never back). Testers force a side with the
/// <see cref="ForceHeader"/> header or the <see cref="ForceCookie"/> cookie (<c>always</c> or <c>never</c>),
/// honoured on the staging listener only: on a public one anybody could choose their side.
/// Reads cookies straight from the Cookie header, allocating nothing.
/// </summary>
public static class CanarySplit
{
    public const string BucketCookie = "baton_canary";
    public const string ForceCookie = "baton_canary_force";
    public const string ForceHeader = "X-Baton-Canary";

    /// <summary>Buckets 0 to 9999: a resolution of 0.01 %.</summary>
    public const int Buckets = 10_000;

    /// <summary>A day: long enough for a canary to run its steps, short enough to reshuffle clients between releases.</summary>
    public const int CookieMaxAgeSeconds = 86_400;

    /// <summary>How many buckets of 10 000 go to the candidate at <paramref name="percent"/> (rounded to 0.01 %).</summary>
    public static int Threshold(double percent) => (int)Math.Clamp(Math.Round(percent * 100), 0, Buckets);

    /// <summary>The sticky decision: true when the bucket is in the candidate's share.</summary>
    public static bool InCandidate(int bucket, double percent) => bucket < Threshold(percent);

    /// <returns>True (always the candidate), false (never), or null when the request forces nothing.</returns>
    public static bool? Forced(StringValues forceHeader, StringValues cookieHeaders)
    {
        if (forceHeader.Count > 0) return ParseForce(forceHeader[0]);
        return Cookie(cookieHeaders, ForceCookie, out var value) ? ParseForce(value) : null;
    }

    /// <returns>The client's bucket, or -1 when it sent none or an invalid one.</returns>
    public static int Bucket(StringValues cookieHeaders)
    {
        if (!Cookie(cookieHeaders, BucketCookie, out var value)) return -1;
        return value.Length is > 0 and <= 4 && int.TryParse(value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int bucket) ? bucket : -1;
    }

    /// <summary>The Set-Cookie value that gives a client <paramref name="bucket"/>.</summary>
    public static string SetCookie(int bucket) =>
        $"{BucketCookie}={bucket.ToString(System.Globalization.CultureInfo.InvariantCulture)}; Path=/; Max-Age={CookieMaxAgeSeconds}; HttpOnly; SameSite=Lax";

    private static bool? ParseForce(ReadOnlySpan<char> value)
    {
        value = value.Trim();
        if (value.Equals("always", StringComparison.OrdinalIgnoreCase)) return true;
        if (value.Equals("never", StringComparison.OrdinalIgnoreCase)) return false;
        return null;
    }

    /// <summary>Finds cookie <paramref name="name"/> in the Cookie header(s): <c>a=1; b=2</c>.</summary>
    internal static bool Cookie(StringValues cookieHeaders, string name, out ReadOnlySpan<char> value)
    {
        foreach (var header in cookieHeaders)
        {
            var rest = header.AsSpan();
            while (!rest.IsEmpty)
            {
                int end = rest.IndexOf(';');
                var pair = (end < 0 ? rest : rest[..end]).Trim();
                rest = end < 0 ? default : rest[(end + 1)..];
                int eq = pair.IndexOf('=');
                if (eq <= 0 || !pair[..eq].TrimEnd().SequenceEqual(name)) continue;
                value = pair[(eq + 1)..].Trim();
                if (value.Length >= 2 && value[0] == '"' && value[^1] == '"') value = value[1..^1];
                return true;
            }
        }
        value = default;
        return false;
    }
}
