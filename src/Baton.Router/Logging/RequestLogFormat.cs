using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Baton.Router.Logging;

/// <summary>
/// One request as one JSON object on one line. The fields are always all there, in this order
/// (null when the router did not know it, e.g. no service matched):
/// <c>time</c> (when the request arrived, UTC, ms), <c>request_id</c>, <c>service</c>,
/// <c>release</c>, <c>color</c>, <c>target</c>, <c>method</c>, <c>host</c>, <c>path</c> (never the
/// query), <c>status</c>, <c>duration_ms</c>, <c>bytes_in</c>, <c>bytes_out</c>, <c>client</c>,
/// <c>user_agent</c>. No other header is ever read into it, so no cookie or authorization can be.
/// </summary>
internal static class RequestLogFormat
{
    /// <summary>A user agent longer than this is cut: a line stays small whatever a client sends.</summary>
    public const int MaxUserAgent = 512;

    /// <summary>Quotes, backslashes and control characters are escaped; other text is kept readable (a log file, not HTML).</summary>
    public static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, SkipValidation = true };

    /// <summary>Writes the record's object; the caller ends the line.</summary>
    public static void Write(Utf8JsonWriter json, RequestRecord r)
    {
        json.WriteStartObject();
        Span<char> time = stackalloc char[24];
        r.Time.UtcDateTime.TryFormat(time, out int written, "yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
        json.WriteString("time"u8, time[..written]);
        json.WriteString("request_id"u8, r.RequestId);
        json.WriteString("service"u8, r.Service);
        json.WriteString("release"u8, r.Release);
        json.WriteString("color"u8, r.Colour);
        json.WriteString("target"u8, r.Target);
        json.WriteString("method"u8, r.Method);
        json.WriteString("host"u8, r.Host);
        json.WriteString("path"u8, r.Path);
        json.WriteNumber("status"u8, r.Status);
        json.WriteNumber("duration_ms"u8, Math.Round(r.DurationMs, 3));
        json.WriteNumber("bytes_in"u8, r.BytesIn);
        json.WriteNumber("bytes_out"u8, r.BytesOut);
        if (r.Client is { } client) json.WriteString("client"u8, (client.IsIPv4MappedToIPv6 ? client.MapToIPv4() : client).ToString());
        else json.WriteNull("client"u8);
        var agent = r.UserAgent;
        json.WriteString("user_agent"u8, agent is { Length: > MaxUserAgent } ? agent[..MaxUserAgent] : agent);
        json.WriteEndObject();
    }
}
