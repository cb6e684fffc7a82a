using System.Buffers.Text;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Baton.Acme.Protocol;

namespace Baton.Acme;

/// <summary>
/// A small RFC 8555 client: directory, nonces, an ES256 account, orders for DNS names, their
/// authorizations and http-01 challenges, polling, finalize with a CSR and the PEM chain. Every
/// failure is an <see cref="AcmeException"/> whose message is one sentence. Not thread-safe: one
/// issuance at a time per client.
/// </summary>
public sealed class AcmeClient : IDisposable
{
    private const string JoseJson = "application/jose+json";
    private readonly HttpClient _http;
    private readonly ECDsa _key;
    private readonly AcmeClientOptions _options;
    private readonly TimeProvider _time;
    private AcmeDirectory? _directory;
    private string? _nonce;

    /// <param name="handler">How to reach the server (tests: one that trusts the test CA); null: the system's.</param>
    public AcmeClient(Uri directoryUrl, ECDsa accountKey, HttpMessageHandler? handler = null, AcmeClientOptions? options = null, TimeProvider? time = null)
    {
        DirectoryUrl = directoryUrl;
        _key = accountKey;
        _options = options ?? new AcmeClientOptions();
        _time = time ?? TimeProvider.System;
        _http = handler is null ? new HttpClient() : new HttpClient(handler, disposeHandler: false);
        _http.Timeout = _options.RequestTimeout;
        _http.DefaultRequestHeaders.UserAgent.Add(new ProductInfoHeaderValue("Baton", "1"));
    }

    public Uri DirectoryUrl { get; }

    /// <summary>The account's URL once <see cref="AccountAsync"/> ran; it is the <c>kid</c> of every later request.</summary>
    public string? AccountUrl { get; private set; }

    /// <summary>The http-01 answer for <paramref name="token"/> with this client's account key.</summary>
    public string KeyAuthorization(string token) => Jwk.KeyAuthorization(token, _key);

    public async Task<AcmeDirectory> DirectoryAsync(CancellationToken cancellationToken)
    {
        if (_directory is not null) return _directory;
        using var response = await SendAsync(() => new HttpRequestMessage(HttpMethod.Get, DirectoryUrl), "read the directory", cancellationToken);
        await EnsureSuccessAsync(response, "read the directory", cancellationToken);
        return _directory = await ReadAsync(response, AcmeJson.Default.AcmeDirectory, "the directory", cancellationToken);
    }

    /// <summary>
    /// Creates the account for this key, or finds it (newAccount answers 200 for a key it knows),
    /// agreeing to the terms of service; <paramref name="email"/> becomes its <c>mailto:</c> contact.
    /// </summary>
    public async Task<string> AccountAsync(string? email, CancellationToken cancellationToken)
    {
        if (AccountUrl is not null) return AccountUrl;
        var directory = await DirectoryAsync(cancellationToken);
        var body = JsonSerializer.Serialize(new NewAccountRequest(true, email is null ? null : ["mailto:" + email]), AcmeJson.Default.NewAccountRequest);
        using var response = await PostAsync(directory.NewAccount, body, "create the account" + (email is null ? "" : $" for {email}"), cancellationToken);
        AccountUrl = response.Headers.Location?.AbsoluteUri
            ?? throw new AcmeException($"The ACME server at {DirectoryUrl} created the account but gave no account URL (Location header).");
        return AccountUrl;
    }

    /// <summary>Orders a certificate for <paramref name="names"/> (DNS names).</summary>
    public async Task<AcmeOrder> NewOrderAsync(IReadOnlyList<string> names, CancellationToken cancellationToken)
    {
        var directory = await DirectoryAsync(cancellationToken);
        var body = JsonSerializer.Serialize(new NewOrderRequest([.. names.Select(n => new AcmeIdentifier("dns", n))]), AcmeJson.Default.NewOrderRequest);
        var what = "order a certificate for " + string.Join(", ", names);
        using var response = await PostAsync(directory.NewOrder, body, what, cancellationToken);
        var order = await ReadAsync(response, AcmeJson.Default.AcmeOrder, "the order", cancellationToken);
        return order with { Url = response.Headers.Location ?? throw new AcmeException($"The ACME server at {DirectoryUrl} accepted the order for {string.Join(", ", names)} but gave no order URL (Location header).") };
    }

    public async Task<AcmeAuthorization> AuthorizationAsync(Uri url, CancellationToken cancellationToken)
    {
        using var response = await PostAsync(url, null, "read an authorization", cancellationToken);
        return await ReadAsync(response, AcmeJson.Default.AcmeAuthorization, "the authorization", cancellationToken);
    }

    /// <summary>Tells the server the challenge's answer is in place (an empty object, RFC 8555 section 7.5.1).</summary>
    public async Task AnswerAsync(AcmeChallenge challenge, string name, CancellationToken cancellationToken)
    {
        using var response = await PostAsync(challenge.Url, "{}", $"start the {challenge.Type} challenge for {name}", cancellationToken);
    }

    /// <summary>Polls an authorization until it is no longer <c>pending</c>, within <see cref="AcmeClientOptions.PollTimeout"/>.</summary>
    public async Task<AcmeAuthorization> WaitForAuthorizationAsync(Uri url, string name, CancellationToken cancellationToken)
    {
        var deadline = _time.GetUtcNow() + _options.PollTimeout;
        while (true)
        {
            using var response = await PostAsync(url, null, $"read the authorization for {name}", cancellationToken);
            var authorization = await ReadAsync(response, AcmeJson.Default.AcmeAuthorization, "the authorization", cancellationToken);
            if (authorization.Status != "pending") return authorization;
            await PauseAsync(response, deadline, $"The ACME server did not validate {name} within {Seconds(_options.PollTimeout)} (its authorization is still pending).", cancellationToken);
        }
    }

    /// <summary>Polls an order until it leaves <c>pending</c> or <c>processing</c>.</summary>
    public async Task<AcmeOrder> WaitForOrderAsync(AcmeOrder order, CancellationToken cancellationToken)
    {
        var names = string.Join(", ", order.Identifiers.Select(i => i.Value));
        var deadline = _time.GetUtcNow() + _options.PollTimeout;
        while (true)
        {
            using var response = await PostAsync(order.Url!, null, $"read the order for {names}", cancellationToken);
            var current = await ReadAsync(response, AcmeJson.Default.AcmeOrder, "the order", cancellationToken) with { Url = order.Url };
            if (current.Status is not ("pending" or "processing")) return current;
            await PauseAsync(response, deadline, $"The ACME server did not finish the order for {names} within {Seconds(_options.PollTimeout)} (still {current.Status}).", cancellationToken);
        }
    }

    /// <summary>Sends the CSR (DER) and waits for the order to be <c>valid</c>.</summary>
    public async Task<AcmeOrder> FinalizeAsync(AcmeOrder order, byte[] csr, CancellationToken cancellationToken)
    {
        var names = string.Join(", ", order.Identifiers.Select(i => i.Value));
        var body = JsonSerializer.Serialize(new FinalizeRequest(Base64Url.EncodeToString(csr)), AcmeJson.Default.FinalizeRequest);
        using (await PostAsync(order.Finalize, body, $"finalize the order for {names}", cancellationToken)) { }
        var done = await WaitForOrderAsync(order, cancellationToken);
        if (done.Status != "valid" || done.Certificate is null)
            throw new AcmeException($"The ACME server did not issue the certificate for {names}: the order is {done.Status} ({AcmeProblems.Describe(done.Error)}).", done.Error);
        return done;
    }

    /// <summary>The issued chain, PEM (leaf first).</summary>
    public async Task<string> DownloadAsync(Uri certificate, string names, CancellationToken cancellationToken)
    {
        using var response = await PostAsync(certificate, null, $"download the certificate for {names}", cancellationToken, accept: "application/pem-certificate-chain");
        return await response.Content.ReadAsStringAsync(cancellationToken);
    }

    /// <summary>
    /// One signed POST (null body: POST-as-GET). A <c>badNonce</c> refusal is sent once more with the
    /// nonce that refusal carried (RFC 8555 section 6.5); any other refusal is an <see cref="AcmeException"/>.
    /// </summary>
    private async Task<HttpResponseMessage> PostAsync(Uri url, string? payload, string what, CancellationToken cancellationToken, string? accept = null)
    {
        for (int attempt = 0; ; attempt++)
        {
            var nonce = await NonceAsync(what, cancellationToken);
            var jws = Jws.Sign(_key, nonce, url, AccountUrl, payload);
            var response = await SendAsync(() =>
            {
                var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new StringContent(jws, Encoding.UTF8) };
                request.Content.Headers.ContentType = new MediaTypeHeaderValue(JoseJson);
                if (accept is not null) request.Headers.Accept.ParseAdd(accept);
                return request;
            }, what, cancellationToken);
            try
            {
                await EnsureSuccessAsync(response, what, cancellationToken);
                return response;
            }
            catch (AcmeException e) when (e.IsBadNonce && attempt == 0)
            {
                response.Dispose();
            }
            catch
            {
                response.Dispose();
                throw;
            }
        }
    }

    private async Task<string> NonceAsync(string what, CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _nonce, null) is { } nonce) return nonce;
        var directory = await DirectoryAsync(cancellationToken);
        using var response = await SendAsync(() => new HttpRequestMessage(HttpMethod.Head, directory.NewNonce), what, cancellationToken);
        return Interlocked.Exchange(ref _nonce, null)
            ?? throw new AcmeException($"Cannot {what}: the ACME server at {DirectoryUrl} gave no nonce (Replay-Nonce header at {directory.NewNonce}).");
    }

    private async Task<HttpResponseMessage> SendAsync(Func<HttpRequestMessage> request, string what, CancellationToken cancellationToken)
    {
        HttpResponseMessage response;
        try
        {
            using var message = request();
            response = await _http.SendAsync(message, cancellationToken);
        }
        catch (HttpRequestException e)
        {
            throw new AcmeException($"Cannot {what}: the ACME server at {DirectoryUrl} cannot be reached ({e.Message.TrimEnd('.')}).");
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new AcmeException($"Cannot {what}: the ACME server at {DirectoryUrl} did not answer within {Seconds(_options.RequestTimeout)}.");
        }
        // Every answer may carry the next nonce; keep the last one.
        if (response.Headers.TryGetValues("Replay-Nonce", out var nonces) && nonces.FirstOrDefault() is { Length: > 0 } next) _nonce = next;
        return response;
    }

    private async Task EnsureSuccessAsync(HttpResponseMessage response, string what, CancellationToken cancellationToken)
    {
        if (response.IsSuccessStatusCode) return;
        AcmeProblem? problem = null;
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        try
        {
            if (text.Length > 0) problem = JsonSerializer.Deserialize(text, AcmeJson.Default.AcmeProblem);
        }
        catch (JsonException)
        {
        }
        problem ??= new AcmeProblem(Detail: $"HTTP {(int)response.StatusCode}");
        throw new AcmeException($"Cannot {what}: the ACME server at {DirectoryUrl} refused it ({AcmeProblems.Describe(problem)}).", problem);
    }

    private async Task<T> ReadAsync<T>(HttpResponseMessage response, JsonTypeInfo<T> type, string what, CancellationToken cancellationToken)
    {
        try
        {
            return await response.Content.ReadFromJsonAsyncSafe(type, cancellationToken)
                ?? throw new JsonException("empty");
        }
        catch (JsonException e)
        {
            throw new AcmeException($"The ACME server at {DirectoryUrl} sent {what} in a form this client cannot read ({e.Message.TrimEnd('.')}).");
        }
    }

    /// <summary>Waits as <c>Retry-After</c> asks (else the poll interval), never past the deadline.</summary>
    private async Task PauseAsync(HttpResponseMessage response, DateTimeOffset deadline, string timeoutMessage, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        var wait = _options.PollInterval;
        if (response.Headers.RetryAfter is { } retry)
        {
            if (retry.Delta is { } delta) wait = delta;
            else if (retry.Date is { } date) wait = date - now;
        }
        if (wait < TimeSpan.Zero) wait = TimeSpan.Zero;
        if (now + wait > deadline)
        {
            if (now >= deadline) throw new AcmeException(timeoutMessage);
            wait = deadline - now;
        }
        // The poll after the last pause may be at the deadline itself; if that one is still waiting, the next pause throws.
        await Task.Delay(wait, _time, cancellationToken);
    }

    private static string Seconds(TimeSpan span) => $"{span.TotalSeconds:0.#} s";

    public void Dispose() => _http.Dispose();
}

internal static class HttpContentJson
{
    public static async Task<T?> ReadFromJsonAsyncSafe<T>(this HttpContent content, JsonTypeInfo<T> type, CancellationToken cancellationToken)
    {
        await using var stream = await content.ReadAsStreamAsync(cancellationToken);
        return await JsonSerializer.DeserializeAsync(stream, type, cancellationToken);
    }
}
