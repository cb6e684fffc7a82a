using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Baton.Contracts;

namespace Baton.Cli;

/// <summary>A call's result: the value, or the exit code and sentence to show.</summary>
internal readonly record struct ApiResult<T>(T? Value, int ExitCode, string? Error, IReadOnlyList<string>? Details = null)
{
    public bool Ok => Error is null;
}

/// <summary>
/// The CLI's only way to the server: the admin REST API. Finds the server and token from
/// <c>--server</c>/<c>--token</c>, else <c>BATON_URL</c>/<c>BATON_TOKEN</c>, else the local data directory.
/// </summary>
internal sealed class BatonClient : IDisposable
{
    public const string DefaultServer = "http://127.0.0.1:9000";

    private readonly HttpClient _http;

    private BatonClient(Uri server, string? token, System.Net.Security.RemoteCertificateValidationCallback? trust)
    {
        Server = server;
        var handler = new SocketsHttpHandler { UseProxy = false, ConnectTimeout = TimeSpan.FromSeconds(5) };
        if (trust is not null) handler.SslOptions.RemoteCertificateValidationCallback = trust;
        _http = new HttpClient(handler)
        {
            BaseAddress = server,
            Timeout = Timeout.InfiniteTimeSpan,
        };
        if (token is not null) _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
    }

    public Uri Server { get; }

    public static BatonClient? Create(string? server, string? token, string? dataDirectory, string? caCertificate, out string error)
    {
        error = "";
        var url = server ?? Environment.GetEnvironmentVariable("BATON_URL") ?? DefaultServer;
        if (!url.Contains("://", StringComparison.Ordinal)) url = "http://" + url;
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
        {
            error = $"Server '{url}' is not a URL such as http://127.0.0.1:9000.";
            return null;
        }
        System.Net.Security.RemoteCertificateValidationCallback? trust = null;
        caCertificate ??= Environment.GetEnvironmentVariable("BATON_CACERT");
        if (!string.IsNullOrWhiteSpace(caCertificate))
        {
            try
            {
                trust = CustomRootTrust.Validator(caCertificate);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException)
            {
                error = $"Cannot read the certificate to trust from {caCertificate}: {e.Message}.";
                return null;
            }
        }
        token ??= Environment.GetEnvironmentVariable("BATON_TOKEN");
        if (string.IsNullOrWhiteSpace(token))
        {
            var file = Path.Combine(dataDirectory ?? Environment.GetEnvironmentVariable("BATON_DATA") ?? ".baton", "admin-token");
            try
            {
                if (File.Exists(file)) token = File.ReadAllText(file).Trim();
            }
            catch (UnauthorizedAccessException)
            {
                // Fall through: the server will say the token is missing.
            }
        }
        return new BatonClient(uri, string.IsNullOrWhiteSpace(token) ? null : token.Trim(), trust);
    }

    public Task<ApiResult<T>> GetAsync<T>(string path, JsonTypeInfo<T> type, CancellationToken ct) =>
        SendAsync(new HttpRequestMessage(HttpMethod.Get, path), type, ct);

    public Task<ApiResult<T>> PostAsync<TBody, T>(string path, TBody body, JsonTypeInfo<TBody> bodyType, JsonTypeInfo<T>? type, CancellationToken ct) =>
        SendAsync(new HttpRequestMessage(HttpMethod.Post, path) { Content = JsonContent.Create(body, bodyType) }, type, ct);

    /// <summary>A PUT whose answer has no body (204).</summary>
    public Task<ApiResult<object>> PutAsync<TBody>(string path, TBody body, JsonTypeInfo<TBody> bodyType, CancellationToken ct) =>
        SendAsync<object>(new HttpRequestMessage(HttpMethod.Put, path) { Content = JsonContent.Create(body, bodyType) }, null, ct);

    public Task<ApiResult<T>> SendAsync<T>(HttpMethod method, string path, JsonTypeInfo<T>? type, CancellationToken ct) =>
        SendAsync(new HttpRequestMessage(method, path), type, ct);

    /// <summary>Sends a request whose answer is a stream (server-sent events); the caller reads it.</summary>
    public async Task<ApiResult<HttpResponseMessage>> OpenStreamAsync(HttpRequestMessage request, CancellationToken ct)
    {
        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
        }
        catch (HttpRequestException e)
        {
            return new(default, ExitCodes.Unreachable, Unreachable(e));
        }
        if (response.IsSuccessStatusCode) return new(response, 0, null);
        using (response)
        {
            var (code, message, details) = await ErrorOf(response, ct);
            return new(default, code, message, details);
        }
    }

    private async Task<ApiResult<T>> SendAsync<T>(HttpRequestMessage request, JsonTypeInfo<T>? type, CancellationToken ct)
    {
        using (request)
        {
            HttpResponseMessage response;
            try
            {
                response = await _http.SendAsync(request, ct);
            }
            catch (HttpRequestException e)
            {
                return new(default, ExitCodes.Unreachable, Unreachable(e));
            }
            using (response)
            {
                if (!response.IsSuccessStatusCode)
                {
                    var (code, message, details) = await ErrorOf(response, ct);
                    return new(default, code, message, details);
                }
                if (type is null || response.StatusCode == HttpStatusCode.NoContent) return new(default, 0, null);
                try
                {
                    return new(await response.Content.ReadFromJsonAsync(type, ct), 0, null);
                }
                catch (JsonException)
                {
                    return new(default, ExitCodes.Failed, $"The server at {Server} answered something that is not Baton's API; check --server.");
                }
            }
        }
    }

    private string Unreachable(HttpRequestException e) =>
        e.HttpRequestError == HttpRequestError.SecureConnectionError
            ? $"The Baton server at {Server} answered with a certificate this client does not trust ({e.InnerException?.Message ?? e.Message}); pass --cacert FILE (or BATON_CACERT) with the admin listener's certificate or its CA."
            : $"Cannot reach the Baton server at {Server} ({(e.HttpRequestError == HttpRequestError.ConnectionError ? "connection refused" : e.Message)}); is `baton server` running? Set --server or BATON_URL otherwise.";

    private async Task<(int Code, string Message, IReadOnlyList<string>? Details)> ErrorOf(HttpResponseMessage response, CancellationToken ct)
    {
        string? message = null;
        IReadOnlyList<string>? details = null;
        try
        {
            var error = await response.Content.ReadFromJsonAsync(BatonJson.Default.ApiError, ct);
            message = error?.Error;
            details = error?.Details;
        }
        catch (Exception e) when (e is JsonException or NotSupportedException or InvalidOperationException)
        {
        }
        message ??= $"The server at {Server} answered {(int)response.StatusCode} {response.ReasonPhrase}.";
        int code = response.StatusCode switch
        {
            HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden => ExitCodes.Unauthorized,
            HttpStatusCode.NotFound => ExitCodes.NotFound,
            HttpStatusCode.Conflict => ExitCodes.Conflict,
            HttpStatusCode.BadRequest or HttpStatusCode.UnsupportedMediaType or HttpStatusCode.RequestEntityTooLarge => ExitCodes.BadInput,
            HttpStatusCode.ServiceUnavailable => ExitCodes.Unreachable,
            _ => ExitCodes.Failed,
        };
        return (code, message, details);
    }

    public void Dispose() => _http.Dispose();
}
