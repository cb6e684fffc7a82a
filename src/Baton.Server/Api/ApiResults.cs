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

    /// <summary>Reads a JSON body, or gives the one-sentence reason it cannot.</summary>
    public static async Task<(T? Value, IResult? Problem)> ReadAsync<T>(HttpRequest request, JsonTypeInfo<T> type, bool optional = false)
    {
        if (request.ContentLength == 0 || request.HttpContext.Features.Get<IHttpRequestBodyDetectionFeature>() is { CanHaveBody: false })
            return optional ? (default, null) : (default, Error(StatusCodes.Status400BadRequest, "The request body is empty; send a JSON object."));
        if (request.HasJsonContentType() is false)
            return (default, Error(StatusCodes.Status415UnsupportedMediaType, NotJson));
        try
        {
            var value = await request.ReadFromJsonAsync(type, request.HttpContext.RequestAborted);
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

    private static string FirstSentence(string message)
    {
        var dot = message.IndexOf(". ", StringComparison.Ordinal);
        return dot > 0 ? message[..(dot + 1)] : message;
    }
}
