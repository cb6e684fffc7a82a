using System.Net;
using System.Net.Http.Headers;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace Baton.Docker;

/// <summary>Timeouts for <see cref="DockerEngine"/>; the clock is injectable so tests can drive it.</summary>
public sealed record DockerEngineOptions
{
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>How long an ordinary call (inspect, create, start...) may take before the engine counts as unreachable.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How long opening a connection to the engine may take.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(5);
}

/// <summary>
/// A connection to one Docker engine, checked at connect to speak API 1.41 or newer. Every call is pinned to
/// /v1.41 so the engine answers in the shapes this client knows, whatever newer version it also speaks.
/// </summary>
public sealed class DockerEngine : IContainerEngine, IDisposable
{
    /// <summary>API 1.41 is Docker 20.10: the oldest engine whose behaviour this client relies on.</summary>
    public static readonly Version MinimumApiVersion = new(1, 41);

    internal const string ApiPrefix = "v1.41/";

    private readonly HttpClient http;

    private DockerEngine(DockerEndpoint endpoint, HttpClient http, DockerEngineOptions options)
    {
        Endpoint = endpoint;
        this.http = http;
        Options = options;
        Containers = new Containers(this);
        Images = new Images(this);
        Events = new Events(this);
    }

    public DockerEndpoint Endpoint { get; }

    /// <summary>The engine's own version, e.g. 20.10.24.</summary>
    public string EngineVersion { get; private set; } = "";

    /// <summary>The newest API version the engine speaks, e.g. 1.41.</summary>
    public Version ApiVersion { get; private set; } = MinimumApiVersion;

    public Containers Containers { get; }

    public Images Images { get; }

    public Events Events { get; }

    string IContainerEngine.Description => Endpoint.ToString();

    IContainers IContainerEngine.Containers => Containers;

    IImages IContainerEngine.Images => Images;

    IEvents IContainerEngine.Events => Events;

    internal DockerEngineOptions Options { get; }

    /// <summary>Connects to the engine named by DOCKER_HOST, else the local unix socket.</summary>
    public static Task<DockerResult<DockerEngine>> ConnectAsync(CancellationToken cancellationToken = default) =>
        ConnectAsync(DockerEndpoint.FromEnvironment(), null, cancellationToken);

    /// <summary>Connects and checks the API version (GET /version); an unreachable or too old engine is an error value.</summary>
    public static async Task<DockerResult<DockerEngine>> ConnectAsync(
        DockerEndpoint endpoint, DockerEngineOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        options ??= new DockerEngineOptions();
        HttpMessageHandler handler;
        try
        {
            handler = CreateHandler(endpoint, options);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException)
        {
            return new DockerError(DockerErrorKind.EngineUnreachable,
                $"Cannot reach the Docker engine at {endpoint}: its TLS files could not be read ({e.Message.TrimEnd('.')}).");
        }
        var engine = new DockerEngine(endpoint, new HttpClient(handler)
        {
            BaseAddress = BaseAddress(endpoint),
            // Streams (events, logs, waits) last as long as they need to; each call sets its own deadline instead.
            Timeout = System.Threading.Timeout.InfiniteTimeSpan,
        }, options);
        var version = await engine.CallAsync(HttpMethod.Get, "version", null, "read the engine version",
            DockerJson.Default.VersionResponse, cancellationToken, versioned: false).ConfigureAwait(false);
        var error = version.Error ?? engine.CheckVersion(version.Value);
        if (error is not null)
        {
            engine.Dispose();
            return error;
        }
        return engine;
    }

    public void Dispose() => http.Dispose();

    private DockerError? CheckVersion(VersionResponse version)
    {
        EngineVersion = version.Version ?? "";
        if (!Version.TryParse(version.ApiVersion, out var api))
            return new DockerError(DockerErrorKind.Engine, $"The Docker engine at {Endpoint} did not say which API version it speaks.");
        ApiVersion = api;
        if (api < MinimumApiVersion)
        {
            return new DockerError(DockerErrorKind.ApiVersionTooOld,
                $"The Docker engine at {Endpoint} speaks API {api} (Docker {EngineVersion}), but Baton needs API {MinimumApiVersion} (Docker 20.10) or newer.");
        }
        if (Version.TryParse(version.MinAPIVersion, out var min) && min > MinimumApiVersion)
        {
            return new DockerError(DockerErrorKind.Engine,
                $"The Docker engine at {Endpoint} no longer speaks API {MinimumApiVersion} (its oldest is {min}), which Baton uses.");
        }
        return null;
    }

    private static Uri BaseAddress(DockerEndpoint endpoint) => endpoint.SocketPath is not null
        ? new Uri("http://docker/")
        : new UriBuilder(endpoint.Tls is null ? "http" : "https", endpoint.Host, endpoint.Port, "/").Uri;

    private static SocketsHttpHandler CreateHandler(DockerEndpoint endpoint, DockerEngineOptions options)
    {
        var handler = new SocketsHttpHandler
        {
            ConnectTimeout = options.ConnectTimeout,
            // An HTTP(S)_PROXY in the environment must never see calls meant for the local engine.
            UseProxy = false,
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(30),
        };
        if (endpoint.SocketPath is { } path)
        {
            handler.ConnectCallback = async (_, ct) =>
            {
                var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                try
                {
                    await socket.ConnectAsync(new UnixDomainSocketEndPoint(path), ct).ConfigureAwait(false);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            };
        }
        else if (endpoint.Tls is { } tls)
        {
            handler.SslOptions = TlsOptions(tls);
        }
        return handler;
    }

    private static SslClientAuthenticationOptions TlsOptions(DockerTls tls)
    {
        var ssl = new SslClientAuthenticationOptions();
        if (tls.ClientCertificatePath is { } certPath)
            ssl.ClientCertificates = [X509Certificate2.CreateFromPemFile(certPath, tls.ClientKeyPath)];
        // Engines use a private CA (dockerd --tlscacert), so trust exactly that CA instead of the system store.
        if (tls.CaCertificatePath is { } caPath) ssl.RemoteCertificateValidationCallback = Baton.Contracts.CustomRootTrust.Validator(caPath);
        return ssl;
    }

    /// <summary>
    /// Checks that a Docker network exists (by name or id); a missing one is
    /// <see cref="DockerErrorKind.NetworkNotFound"/> with a sentence saying how to make it.
    /// </summary>
    public async Task<DockerResult> NetworkExistsAsync(string name, CancellationToken ct)
    {
        var found = await CallAsync(HttpMethod.Get, $"networks/{Uri.EscapeDataString(name)}", null, $"inspect network {name}", DockerJson.Default.EngineMessage, ct).ConfigureAwait(false);
        return found.Error ?? DockerResult.Ok;
    }

    // ---- Plumbing shared by Containers, Images and Events ----

    /// <summary>Sends a call and parses its JSON answer; every failure comes back as a value.</summary>
    internal Task<DockerResult<T>> CallAsync<T>(
        HttpMethod method, string path, HttpContent? body, string action, JsonTypeInfo<T> type,
        CancellationToken ct, TimeSpan? timeout = null, bool versioned = true) where T : class =>
        ExchangeAsync(Request(method, path, body, versioned), action, async (response, token) =>
        {
            var text = await response.Content.ReadAsStringAsync(token).ConfigureAwait(false);
            return DockerJson.TryParse(text, type) is { } value
                ? value
                : (DockerResult<T>)new DockerError(DockerErrorKind.Engine, $"Could not {action}: the Docker engine answered with something other than the expected JSON.");
        }, ct, timeout);

    /// <summary>Sends a call whose answer carries nothing we need; 304 (already started/stopped) counts as success.</summary>
    internal async Task<DockerResult> CallAsync(
        HttpMethod method, string path, HttpContent? body, string action, CancellationToken ct, TimeSpan? timeout = null)
    {
        var result = await ExchangeAsync(Request(method, path, body, versioned: true), action,
            (_, _) => Task.FromResult<DockerResult<bool>>(true), ct, timeout).ConfigureAwait(false);
        return result.Error ?? DockerResult.Ok;
    }

    /// <summary>
    /// Sends a call and lets <paramref name="read"/> consume the answer under the same deadline.
    /// <paramref name="timeout"/>: null for <see cref="DockerEngineOptions.RequestTimeout"/>, InfiniteTimeSpan for none.
    /// </summary>
    internal async Task<DockerResult<T>> ExchangeAsync<T>(
        HttpRequestMessage request, string action, Func<HttpResponseMessage, CancellationToken, Task<DockerResult<T>>> read,
        CancellationToken ct, TimeSpan? timeout = null)
    {
        var limit = timeout ?? Options.RequestTimeout;
        using var deadline = limit == System.Threading.Timeout.InfiniteTimeSpan
            ? new CancellationTokenSource()
            : new CancellationTokenSource(limit, Options.TimeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, deadline.Token);
        try
        {
            using (request)
            using (var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, linked.Token).ConfigureAwait(false))
            {
                if (!response.IsSuccessStatusCode && response.StatusCode != HttpStatusCode.NotModified)
                    return await ErrorFromAsync(response, action, linked.Token).ConfigureAwait(false);
                return await read(response, linked.Token).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (TransportError(e, action, limit, ct) is { } error)
        {
            return error;
        }
    }

    /// <summary>Sends a call and hands over the open answer for streaming; the deadline covers only its headers.</summary>
    internal async Task<DockerResult<HttpResponseMessage>> OpenStreamAsync(HttpRequestMessage request, string action, CancellationToken ct)
    {
        var limit = Options.RequestTimeout;
        using var deadline = new CancellationTokenSource(limit, Options.TimeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, deadline.Token);
        try
        {
            using (request)
            {
                var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, linked.Token).ConfigureAwait(false);
                if (response.IsSuccessStatusCode) return response;
                using (response) return await ErrorFromAsync(response, action, linked.Token).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (TransportError(e, action, limit, ct) is { } error)
        {
            return error;
        }
    }

    internal static HttpRequestMessage Request(HttpMethod method, string path, HttpContent? body = null, bool versioned = true) =>
        new(method, new Uri((versioned ? ApiPrefix : "") + path, UriKind.Relative)) { Content = body };

    internal static HttpContent Json<T>(T value, JsonTypeInfo<T> type)
    {
        var content = new ByteArrayContent(JsonSerializer.SerializeToUtf8Bytes(value, type));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        return content;
    }

    /// <summary>Maps a failure of the transport (not of the engine) to a value; null lets the exception through.</summary>
    internal DockerError? TransportError(Exception e, string action, TimeSpan limit, CancellationToken ct)
    {
        // The caller's own cancellation is not a failure of the engine: let it surface as usual.
        if (ct.IsCancellationRequested) return null;
        return e switch
        {
            OperationCanceledException => new DockerError(DockerErrorKind.EngineUnreachable,
                $"The Docker engine at {Endpoint} did not answer within {limit.TotalSeconds:0.#} s when asked to {action}."),
            HttpRequestException { HttpRequestError: HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError or HttpRequestError.SecureConnectionError } =>
                new DockerError(DockerErrorKind.EngineUnreachable,
                    $"Cannot reach the Docker engine at {Endpoint}: {ConnectFailure(e)}; is dockerd running?"),
            HttpRequestException or IOException => new DockerError(DockerErrorKind.EngineUnreachable,
                $"The connection to the Docker engine at {Endpoint} broke when asked to {action}: {Innermost(e)}."),
            _ => null,
        };
    }

    private string ConnectFailure(Exception e) =>
        // A missing socket file shows up as "Cannot assign requested address", which says nothing to a person.
        Endpoint.SocketPath is { } path && !File.Exists(path) ? "the socket file does not exist" : Innermost(e);

    private static string Innermost(Exception e)
    {
        while (e.InnerException is not null) e = e.InnerException;
        return e.Message.TrimEnd('.');
    }

    private static async Task<DockerError> ErrorFromAsync(HttpResponseMessage response, string action, CancellationToken ct)
    {
        var text = await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false);
        var message = DockerJson.TryParse(text, DockerJson.Default.EngineMessage)?.Message ?? text;
        return MapError(response.StatusCode, message, action);
    }

    /// <summary>Turns the engine's answer to a failed call into a kind and one sentence.</summary>
    internal static DockerError MapError(HttpStatusCode status, string engineMessage, string action)
    {
        var message = engineMessage.Trim().TrimEnd('.');
        if (message.Length == 0) message = $"HTTP {(int)status} {status}";
        if (message.Contains("port is already allocated", StringComparison.OrdinalIgnoreCase)
            || message.Contains("address already in use", StringComparison.OrdinalIgnoreCase))
        {
            return new DockerError(DockerErrorKind.PortInUse, $"Could not {action}: a host port it needs is already in use ({message}).");
        }
        // "network web not found" (create, connect) or "network web not found" (inspect, 404).
        if (status == HttpStatusCode.NotFound && message.StartsWith("network ", StringComparison.OrdinalIgnoreCase) && message.EndsWith("not found", StringComparison.OrdinalIgnoreCase))
        {
            var name = message["network ".Length..^"not found".Length].Trim();
            return new DockerError(DockerErrorKind.NetworkNotFound, $"There is no Docker network named {name} (create it with `docker network create {name}`, or name another in target.network).");
        }
        if (IsImageNotFound(status, message))
            return new DockerError(DockerErrorKind.ImageNotFound, $"Could not {action}: the image was not found ({message}).");
        if (status == HttpStatusCode.NotFound && message.Contains("No such container", StringComparison.OrdinalIgnoreCase))
            return new DockerError(DockerErrorKind.ContainerNotFound, $"Could not {action}: {message}.");
        if (status == HttpStatusCode.Conflict && message.Contains("is already in use", StringComparison.OrdinalIgnoreCase))
            return new DockerError(DockerErrorKind.NameInUse, $"Could not {action}: the name is already in use ({message}).");
        if (status == HttpStatusCode.Conflict)
            return new DockerError(DockerErrorKind.Conflict, $"Could not {action}: {message}.");
        return new DockerError(DockerErrorKind.Engine, $"Could not {action}: {message}.");
    }

    /// <summary>Image lookups and registry pulls report a missing image in several wordings.</summary>
    internal static bool IsImageNotFound(HttpStatusCode status, string message) =>
        message.Contains("No such image", StringComparison.OrdinalIgnoreCase)
        || message.Contains("manifest unknown", StringComparison.OrdinalIgnoreCase)
        || message.Contains("repository does not exist", StringComparison.OrdinalIgnoreCase)
        || (status == HttpStatusCode.NotFound && message.Contains("not found", StringComparison.OrdinalIgnoreCase)
            && !message.Contains("container", StringComparison.OrdinalIgnoreCase));
}
