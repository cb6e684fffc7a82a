using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Baton.Contracts;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Baton.Server.Api;

internal static class ApiResults
{
    private static readonly object ErrorKey = new();

    public const string NotJson = "Send the request body as JSON (Content-Type: application/json).";

    public static IResult Error(int status, string message) => new ErrorResult(status, message);

    /// <summary>The error sentence this request was answered with, if any (for the audit log).</summary>
    public static string? ErrorOf(HttpContext context) => context.Items.TryGetValue(ErrorKey, out var e) ? e as string : null;

    /// <summary>An error answer that also leaves its sentence on the request for the audit log.</summary>
    private sealed class ErrorResult(int status, string message) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Items[ErrorKey] = message;
            return Results.Json(new ApiError(message), BatonJson.Default.ApiError, statusCode: status).ExecuteAsync(httpContext);
        }
    }

    public static IResult NotFound(string service) =>
        Error(StatusCodes.Status404NotFound, $"There is no service named {service}; `baton status` lists them.");

    /// <summary>Maps an operation's error sentence to 404 for unknown services, else 400; null is 204.</summary>
    public static IResult FromError(string? error) => error switch
    {
        null => Results.NoContent(),
        _ when error.StartsWith("There is no service", StringComparison.Ordinal) => Error(StatusCodes.Status404NotFound, error),
        _ => Error(StatusCodes.Status400BadRequest, error),
    };

    /// <summary>Most bytes of a JSON body: every call but apply sends a few short fields.</summary>
    public const long MaxBodyBytes = 64 * 1024;

    /// <summary>
    /// Reads a JSON body of at most <paramref name="maxBytes"/> (else 413: the listener's own
    /// limit is 30 MB), or gives the one-sentence reason it cannot.
    /// </summary>
    public static async Task<(T? Value, IResult? Problem)> ReadAsync<T>(HttpRequest request, JsonTypeInfo<T> type, bool optional = false, long maxBytes = MaxBodyBytes)
    {
        if (request.ContentLength == 0 || request.HttpContext.Features.Get<IHttpRequestBodyDetectionFeature>() is { CanHaveBody: false })
            return optional ? (default, null) : (default, Error(StatusCodes.Status400BadRequest, "The request body is empty; send a JSON object."));
        if (request.HasJsonContentType() is false)
            return (default, Error(StatusCodes.Status415UnsupportedMediaType, NotJson));
        var tooLarge = Error(StatusCodes.Status413PayloadTooLarge, $"The request body is larger than this call takes ({maxBytes / 1024:N0} KiB); nothing was changed.");
        if (request.ContentLength > maxBytes)
        {
            await DiscardAsync(request);
            return (default, tooLarge);
        }
        // A body without a length (chunked, as HttpClient sends JSON) is counted as it comes.
        var body = await ReadBoundedAsync(request, maxBytes);
        if (body is null) return (default, tooLarge);
        try
        {
            var value = JsonSerializer.Deserialize(body, type);
            return value is null && !optional
                ? (default, Error(StatusCodes.Status400BadRequest, "The request body is empty; send a JSON object."))
                : (value, null);
        }
        catch (JsonException e)
        {
            var where = e.Path is { Length: > 1 } ? $" at {e.Path}" : "";
            return (default, Error(StatusCodes.Status400BadRequest, $"The request body is not valid JSON for this call{where}: {FirstSentence(e.Message)}"));
        }
    }

    /// <summary>The body, or null when it is longer than <paramref name="maxBytes"/> (then read to its end and thrown away).</summary>
    private static async Task<byte[]?> ReadBoundedAsync(HttpRequest request, long maxBytes)
    {
        using var buffer = new MemoryStream();
        var chunk = System.Buffers.ArrayPool<byte>.Shared.Rent(16 * 1024);
        try
        {
            int read;
            while ((read = await request.Body.ReadAsync(chunk, request.HttpContext.RequestAborted)) > 0)
            {
                if (buffer.Length + read > maxBytes)
                {
                    await DiscardAsync(request);
                    return null;
                }
                buffer.Write(chunk, 0, read);
            }
            return buffer.ToArray();
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(chunk);
        }
    }

    /// <summary>
    /// Reads a refused body to its end and throws it away, so that a client still sending it (the
    /// CLI, HttpClient) reads the 413 instead of a broken pipe. The listener's own limit (30 MB)
    /// bounds what is read.
    /// </summary>
    private static async Task DiscardAsync(HttpRequest request)
    {
        var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(64 * 1024);
        try
        {
            while (await request.Body.ReadAsync(buffer, request.HttpContext.RequestAborted) > 0)
            {
            }
        }
        catch (BadHttpRequestException)
        {
            // Over the listener's limit: it closes the connection after the answer.
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static string FirstSentence(string message)
    {
        var dot = message.IndexOf(". ", StringComparison.Ordinal);
        return dot > 0 ? message[..(dot + 1)] : message;
    }
}
