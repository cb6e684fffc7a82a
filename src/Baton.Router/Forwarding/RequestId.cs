using Microsoft.AspNetCore.Http;

namespace Baton.Router.Forwarding;

/// <summary>
/// The <c>X-Request-ID</c> of a request: the client's own when it sent one well-formed value
/// (printable ASCII, 1 to <see cref="MaxLength"/> characters), else a new random one of 16 hex
/// digits. The target gets it, the client gets it back on the answer, and the request log writes it.
/// </summary>
internal static class RequestId
{
    public const string Header = "X-Request-ID";

    public const int MaxLength = 128;

    public static string For(IHeaderDictionary headers)
    {
        var given = headers[Header];
        return given.Count == 1 && given[0] is { } value && IsValid(value) ? value : New();
    }

    /// <summary>Printable ASCII (space to tilde), 1 to 128 characters: nothing that could break a header, a log line or a terminal.</summary>
    public static bool IsValid(string value)
    {
        if (value.Length is 0 or > MaxLength) return false;
        foreach (var c in value)
            if (c is < ' ' or > '~') return false;
        return true;
    }

    /// <summary>64 random bits as 16 lowercase hex digits (written by hand: a format string takes the runtime's slow path on every request).</summary>
    public static string New() => string.Create(16, (ulong)Random.Shared.NextInt64(long.MinValue, long.MaxValue), static (span, bits) =>
    {
        for (int i = span.Length - 1; i >= 0; i--, bits >>= 4) span[i] = "0123456789abcdef"[(int)(bits & 0xF)];
    });
}
