using System.Net;

namespace Baton.Router.Logging;

/// <summary>
/// What one sampled request leaves for its log line. The request path fills it as it learns (the
/// service, then the pool and target of each attempt); it is handed to the writer once, at the end,
/// and not touched after.
/// </summary>
internal sealed class RequestRecord
{
    public required DateTimeOffset Time { get; init; }
    public required string RequestId { get; init; }
    public required string Method { get; init; }
    public required string Host { get; init; }
    /// <summary>The path alone: the query is never kept (it often carries tokens).</summary>
    public required string Path { get; init; }
    public IPAddress? Client { get; init; }
    public string? UserAgent { get; init; }

    public string? Service { get; set; }
    /// <summary>The pool's name, e.g. its colour (<c>blue</c>).</summary>
    public string? Colour { get; set; }
    /// <summary>The release the pool runs, when the router was told it.</summary>
    public string? Release { get; set; }
    /// <summary>The target of the last attempt (<c>127.0.0.1:5001</c>).</summary>
    public string? Target { get; set; }

    public int Status { get; set; }
    public double DurationMs { get; set; }
    public long BytesIn { get; set; }
    public long BytesOut { get; set; }

    /// <summary>Counts the request body as the forwarder reads it; null when the request was not wrapped.</summary>
    public CountingStream? RequestBody { get; set; }
    public CountingStream? ResponseBody { get; set; }
}
