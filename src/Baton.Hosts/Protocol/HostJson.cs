using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using Baton.Docker;

namespace Baton.Hosts.Protocol;

/// <summary>
/// Source-generated JSON for <c>baton host</c>'s protocol: camelCase, enums as names, one object per line.
/// Reading is case-sensitive and takes no numbers in strings: a request is what Baton wrote, or it is refused.
/// Requests refuse unknown fields (<see cref="JsonUnmappedMemberHandlingAttribute"/> on each request record);
/// answers do not, so a newer agent may add to them.
/// </summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    UseStringEnumConverter = true,
    RespectNullableAnnotations = true,
    AllowDuplicateProperties = false,
    MaxDepth = 16)]
[JsonSerializable(typeof(HostRequest))]
[JsonSerializable(typeof(HostAnswer))]
[JsonSerializable(typeof(HostAnswer<string>))]
[JsonSerializable(typeof(HostAnswer<long>))]
[JsonSerializable(typeof(HostAnswer<ContainerInfo>))]
[JsonSerializable(typeof(HostAnswer<List<ContainerSummary>>))]
[JsonSerializable(typeof(HostAnswer<ImageInfo>))]
[JsonSerializable(typeof(HostAnswer<HostInfo>))]
[JsonSerializable(typeof(EventLine))]
internal sealed partial class HostJson : JsonSerializerContext
{
    /// <summary>A request is a spec and a few arguments; anything near this is not one Baton wrote.</summary>
    public const int MaxRequestBytes = 1024 * 1024;

    /// <summary>
    /// Parses one request line; null and one sentence when it is not a request of this protocol. The sentence
    /// names the field for an unknown one, since "Privileged" smuggled into a spec should be seen for what it is.
    /// </summary>
    public static HostRequest? ParseRequest(ReadOnlySpan<byte> line, out string? error)
    {
        error = null;
        try
        {
            var request = JsonSerializer.Deserialize(line, Default.HostRequest);
            if (request is null) error = "The request is JSON null, not a request object.";
            return request;
        }
        catch (JsonException e)
        {
            error = Sentence(e);
            return null;
        }
    }

    /// <summary>One line of JSON (no newline inside, since every string's control characters are escaped) and a newline.</summary>
    public static byte[] Line<T>(T value, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type)
    {
        var bytes = JsonSerializer.SerializeToUtf8Bytes(value, type);
        var line = new byte[bytes.Length + 1];
        bytes.CopyTo(line, 0);
        line[^1] = (byte)'\n';
        return line;
    }

    private static string Sentence(JsonException e)
    {
        var at = string.IsNullOrEmpty(e.Path) || e.Path == "$" ? "" : $" (at {e.Path})";
        if (Unmapped().Match(e.Message) is { Success: true } unmapped)
            return $"The request carries a field '{unmapped.Groups[1].Value}'{at} that Baton's host protocol does not have; it is refused, not ignored.";
        if (Missing().Match(e.Message) is { Success: true } missing)
            return $"The request lacks the required field{(missing.Groups[1].Value.Contains(',', StringComparison.Ordinal) ? "s" : "")} {missing.Groups[1].Value}{at}.";
        if (Duplicate().IsMatch(e.Message))
            return $"The request names a field twice{at}; it is refused rather than guessing which one was meant.";
        var detail = e.Message.Split(" Path:", 2)[0].Split(". LineNumber", 2)[0].TrimEnd('.');
        return $"The request is not valid JSON of Baton's host protocol{at}: {detail}.";
    }

    [GeneratedRegex(@"The JSON property '([^']*)' could not be mapped")]
    private static partial Regex Unmapped();

    [GeneratedRegex(@"missing required properties including: ([^.]*)\.?")]
    private static partial Regex Missing();

    [GeneratedRegex(@"[Dd]uplicate")]
    private static partial Regex Duplicate();
}
