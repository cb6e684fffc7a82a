using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Baton.Registry.Auth;

namespace Baton.Registry;

/// <summary>
/// A client of the Registry HTTP API v2 for what Baton needs: a repository's tags with their
/// digests and creation times, and checking a login. Speaks anonymously first and answers a 401's
/// challenge: <c>Basic</c> with the stored login, <c>Bearer</c> by asking the named token server
/// (with the stored login when there is one) and caching the token until it expires. The work is
/// bounded: at most <see cref="MaxTags"/> tags, the newest-listed <see cref="MaxDetailed"/> of them
/// with digest and creation time, <see cref="Parallelism"/> requests at once. Every failure comes
/// back as a <see cref="RegistryError"/> with one sentence.
/// <para>
/// Where it goes is bounded too, since whoever applies a service file picks the registry host
/// (see docs/registry.md): redirects are followed by hand, on the registry's own host, and for
/// blobs and token servers to another host as Docker does (object storage), but never with the
/// registry's Authorization, never to plain http unless loopback, never from a remote registry
/// to loopback; no connection is made to a link-local or metadata address whatever name led
/// there (<see cref="RegistryAddresses"/>); a stored login goes only to the host it was stored for.
/// </para>
/// </summary>
public sealed partial class RegistryClient : IDisposable
{
    /// <summary>Tags asked for per page of the tag list.</summary>
    public const int PageSize = 100;
    /// <summary>Most tags listed; a repository with more is cut there.</summary>
    public const int MaxTags = 5000;
    /// <summary>Most tags whose manifest and config are read for digest and creation time.</summary>
    public const int MaxDetailed = 100;
    /// <summary>Requests for details in flight at once.</summary>
    public const int Parallelism = 4;

    private const int MaxBodyBytes = 4 * 1024 * 1024;
    /// <summary>Most redirects followed for one request.</summary>
    private const int MaxRedirects = 3;
    private static readonly TimeSpan DetailBudget = TimeSpan.FromSeconds(30);

    private readonly HttpClient _http;
    private readonly Func<string, RegistryLogin?> _logins;
    private readonly TokenCache _tokens;
    private readonly TimeSpan _timeout;

    /// <param name="logins">The stored login of a registry host, or null.</param>
    /// <param name="time">The clock of token lifetimes.</param>
    /// <param name="requestTimeout">Longest wait for one answer. <value>The default is 15 s.</value></param>
    /// <param name="handler">For tests of the wire only; the default speaks directly, with no proxy.</param>
    public RegistryClient(Func<string, RegistryLogin?> logins, TimeProvider? time = null, TimeSpan? requestTimeout = null, HttpMessageHandler? handler = null)
    {
        _logins = logins;
        _tokens = new TokenCache(time ?? TimeProvider.System);
        _timeout = requestTimeout ?? TimeSpan.FromSeconds(15);
        _http = new HttpClient(handler ?? new SocketsHttpHandler
        {
            UseProxy = false,
            ConnectTimeout = TimeSpan.FromSeconds(5),
            AllowAutoRedirect = false, // followed by hand, where the rules of the class allow (RedirectRefusal)
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            ConnectCallback = ConnectAsync,
        })
        {
            Timeout = _timeout,
        };
    }

    /// <summary>
    /// Lists the tags of a repository, newest first (by creation time; tags without one last, by name descending).
    /// Steps: 1. page through <c>/v2/NAME/tags/list</c> following <c>Link: rel="next"</c>;
    /// 2. for the last <see cref="MaxDetailed"/> tags listed, read the manifest (digest) and the image config (created).
    /// </summary>
    public async Task<RegistryResult<TagList>> ListTagsAsync(string repository, CancellationToken ct = default)
    {
        if (!ImageName.TryParse(repository, out var image, out var error)) return new RegistryError(RegistryErrorKind.BadAnswer, error);
        var session = new RegistrySession(image.Host, image.BaseUri, image.Repository, _logins(image.Host));

        // Step 1
        var names = new List<string>();
        Uri? next = new(image.BaseUri, $"v2/{image.Repository}/tags/list?n={PageSize}");
        for (int page = 0; next is not null && names.Count < MaxTags && page < MaxTags / PageSize * 2; page++)
        {
            var sent = await SendAsync(session, next, null, ct).ConfigureAwait(false);
            if (!sent.TryGetValue(out var response, out var failure)) return failure;
            using (response)
            {
                if (!response.IsSuccessStatusCode) return RegistryErrors.Status(session, response.StatusCode, "its tag list");
                var body = await ReadAsync(response, ct).ConfigureAwait(false);
                var tags = body is null ? null : RegistryJson.TryParse(body, RegistryJson.Default.TagsPage);
                if (tags is null) return RegistryErrors.BadAnswer(session, "something that is not a tag list");
                names.AddRange(tags.Tags ?? []);
                next = NextPage(response, next);
            }
        }
        if (names.Count > MaxTags) names.RemoveRange(MaxTags, names.Count - MaxTags);

        // Step 2
        var detailed = names.Skip(Math.Max(0, names.Count - MaxDetailed)).ToHashSet(StringComparer.Ordinal);
        using var budget = CancellationTokenSource.CreateLinkedTokenSource(ct);
        budget.CancelAfter(DetailBudget);
        using var gate = new SemaphoreSlim(Parallelism);
        var infos = await Task.WhenAll(names.Distinct(StringComparer.Ordinal).Select(async tag =>
        {
            if (!detailed.Contains(tag) || !TagPattern().IsMatch(tag)) return new TagInfo(tag, null, null);
            await gate.WaitAsync(ct).ConfigureAwait(false);
            try
            {
                return await DetailAsync(session, tag, budget.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                return new TagInfo(tag, null, null); // out of time for details: the tag is still listed
            }
            finally
            {
                gate.Release();
            }
        })).ConfigureAwait(false);
        var ordered = infos
            .OrderByDescending(t => t.Created.HasValue)
            .ThenByDescending(t => t.Created)
            .ThenByDescending(t => t.Tag, StringComparer.Ordinal)
            .ToList();
        return new TagList(image, ordered);
    }

    /// <summary>
    /// Checks a login against the registry's <c>/v2/</c> (through its token server when it names one).
    /// True when the registry accepted it; false when the registry needs no login at all (nothing to check).
    /// </summary>
    public async Task<RegistryResult<bool>> CheckLoginAsync(string host, RegistryLogin login, CancellationToken ct = default)
    {
        if (!ImageName.TryParseHost(host, out var normalized, out var baseUri, out var error)) return new RegistryError(RegistryErrorKind.BadAnswer, error);
        var session = new RegistrySession(normalized, baseUri, null, login);
        var sent = await SendAsync(session, new Uri(baseUri, "v2/"), null, ct).ConfigureAwait(false);
        if (!sent.TryGetValue(out var response, out var failure)) return failure;
        using (response)
        {
            if (response.StatusCode == HttpStatusCode.Unauthorized)
                return new RegistryError(RegistryErrorKind.CredentialsRefused, $"The registry {normalized} refused the user name or password of {login.Username}; nothing was stored.");
            if (!response.IsSuccessStatusCode) return RegistryErrors.Status(session, response.StatusCode, "its API root /v2/");
            if (!response.Headers.TryGetValues("Docker-Distribution-API-Version", out _) && session.Authorization is null)
                return RegistryErrors.BadAnswer(session, "/v2/ without the Docker-Distribution-API-Version header");
            return session.Authorization is not null;
        }
    }

    public void Dispose() => _http.Dispose();

    private async Task<TagInfo> DetailAsync(RegistrySession session, string tag, CancellationToken ct)
    {
        var top = await ManifestAsync(session, tag, ct).ConfigureAwait(false);
        if (top is null) return new TagInfo(tag, null, null);
        var manifest = top.Value.Manifest;
        if (MediaTypes.IsIndex(top.Value.MediaType) || manifest.Manifests is { Count: > 0 })
        {
            // A multi-platform image: its first real platform's config says when it was built (attestations say "unknown").
            var first = manifest.Manifests?.FirstOrDefault(m => m.Platform?.Os is not "unknown") ?? manifest.Manifests?.FirstOrDefault();
            var inner = first?.Digest is { } d && DigestPattern().IsMatch(d) ? await ManifestAsync(session, d, ct).ConfigureAwait(false) : null;
            if (inner is null) return new TagInfo(tag, top.Value.Digest, null);
            manifest = inner.Value.Manifest;
        }
        var created = manifest.Config is { Digest: { } config, Size: <= MaxBodyBytes } && DigestPattern().IsMatch(config)
            ? await CreatedAsync(session, config, ct).ConfigureAwait(false)
            : null;
        return new TagInfo(tag, top.Value.Digest, created);
    }

    /// <summary>GET of a manifest: its digest (the registry's Docker-Content-Digest, else the SHA-256 of its bytes), media type and body; null when unavailable.</summary>
    private async Task<(string Digest, string? MediaType, Manifest Manifest)?> ManifestAsync(RegistrySession session, string reference, CancellationToken ct)
    {
        var sent = await SendAsync(session, new Uri(session.BaseUri, $"v2/{session.Repository}/manifests/{reference}"), MediaTypes.Accepted, ct).ConfigureAwait(false);
        if (!sent.TryGetValue(out var response, out _)) return null;
        using (response)
        {
            if (!response.IsSuccessStatusCode) return null;
            var body = await ReadAsync(response, ct).ConfigureAwait(false);
            var manifest = body is null ? null : RegistryJson.TryParse(body, RegistryJson.Default.Manifest);
            if (body is null || manifest is null) return null;
            var digest = response.Headers.TryGetValues("Docker-Content-Digest", out var values) && values.FirstOrDefault() is { } d && DigestPattern().IsMatch(d)
                ? d
                : "sha256:" + Convert.ToHexStringLower(SHA256.HashData(body));
            return (digest, response.Content.Headers.ContentType?.MediaType ?? manifest.MediaType, manifest);
        }
    }

    private async Task<DateTimeOffset?> CreatedAsync(RegistrySession session, string configDigest, CancellationToken ct)
    {
        var sent = await SendAsync(session, new Uri(session.BaseUri, $"v2/{session.Repository}/blobs/{configDigest}"), null, ct, Hops.Storage).ConfigureAwait(false);
        if (!sent.TryGetValue(out var response, out _)) return null;
        using (response)
        {
            if (!response.IsSuccessStatusCode) return null;
            var body = await ReadAsync(response, ct).ConfigureAwait(false);
            var config = body is null ? null : RegistryJson.TryParse(body, RegistryJson.Default.ImageConfig);
            return ParseTime(config?.Created);
        }
    }

    /// <summary>RFC 3339 with up to nine fractional digits (Go writes nanoseconds); .NET reads seven.</summary>
    internal static DateTimeOffset? ParseTime(string? text)
    {
        if (string.IsNullOrWhiteSpace(text)) return null;
        var trimmed = FractionPattern().Replace(text.Trim(), m => m.Value[..Math.Min(m.Value.Length, 8)]);
        return DateTimeOffset.TryParse(trimmed, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at) ? at.ToUniversalTime() : null;
    }

    /// <summary>
    /// Sends a GET with the session's authorization; on a 401 answers its challenge once and sends again.
    /// A 401 after that is the caller's to report (credentials refused).
    /// </summary>
    private async Task<RegistryResult<HttpResponseMessage>> SendAsync(RegistrySession session, Uri uri, string[]? accept, CancellationToken ct, Hops hops = Hops.SameHost)
    {
        for (int attempt = 0; ; attempt++)
        {
            var authorization = session.Authorization;
            var response = await RawSendAsync(session, uri, accept, authorization, hops, ct).ConfigureAwait(false);
            if (!response.TryGetValue(out var answer, out _)) return response;
            if (answer.StatusCode != HttpStatusCode.Unauthorized || attempt == 1) return answer;
            var challenge = Challenge.Pick(answer.Headers.WwwAuthenticate);
            answer.Dispose();
            var authorized = await AuthorizeAsync(session, challenge, authorization, ct).ConfigureAwait(false);
            if (!authorized.TryGetValue(out var header, out var error)) return error;
            session.Authorization = header;
        }
    }

    /// <summary>Where a request may be redirected: the registry's own host only, or (blobs, token servers) a storage host too.</summary>
    private enum Hops
    {
        SameHost,
        Storage,
    }

    /// <summary>Sends a GET and follows its redirects where <see cref="RedirectRefusal"/> allows, dropping the Authorization on another host.</summary>
    private async Task<RegistryResult<HttpResponseMessage>> RawSendAsync(RegistrySession session, Uri uri, string[]? accept, AuthenticationHeaderValue? authorization, Hops hops, CancellationToken ct)
    {
        for (int hop = 0; ; hop++)
        {
            var sent = await SendOnceAsync(session, uri, accept, authorization, ct).ConfigureAwait(false);
            if (!sent.TryGetValue(out var response, out _)) return sent;
            if ((int)response.StatusCode is not (301 or 302 or 303 or 307 or 308) || response.Headers.Location is not { } location) return response;
            response.Dispose();
            if (hop == MaxRedirects) return RegistryErrors.BadAnswer(session, $"more than {MaxRedirects} redirects for {uri.AbsolutePath}");
            if (!Uri.TryCreate(uri, location, out var next)) return RegistryErrors.BadAnswer(session, "a redirect to something that is not a URL");
            if (RedirectRefusal(session, uri, next, hops) is { } refusal) return new RegistryError(RegistryErrorKind.BadAnswer, refusal);
            // The registry's login or token is for the registry's host only.
            if (!SameHost(next, session.BaseUri)) authorization = null;
            uri = next;
        }
    }

    /// <summary>Why Baton does not follow a redirect from <paramref name="from"/> to <paramref name="to"/>, or null when it does.</summary>
    private static string? RedirectRefusal(RegistrySession session, Uri from, Uri to, Hops hops)
    {
        var where = $"The registry {session.Host} redirected {from.AbsolutePath} to {to.GetLeftPart(UriPartial.Authority)}";
        if (HostRefusal(session, to) is { } refusal) return $"{where}: {refusal}.";
        if (SameHost(to, session.BaseUri)) return null;
        return hops == Hops.SameHost
            ? $"{where}, another host; Baton follows a registry only on its own host (and blobs and token servers to their storage), so nothing was read there."
            : null;
    }

    /// <summary>Why Baton does not send a request to <paramref name="to"/> for this registry (a redirect or a token realm), or null.</summary>
    private static string? HostRefusal(RegistrySession session, Uri to)
    {
        if (to.Scheme is not ("http" or "https")) return $"{to.Scheme} is not http or https";
        if (System.Net.IPAddress.TryParse(to.Host.Trim('[', ']'), out var ip) && RegistryAddresses.IsForbidden(ip)) return "a link-local or metadata address, which Baton never contacts";
        if (to.Scheme == "http" && !RegistryAddresses.IsLoopbackHost(to.Host)) return "plain http is used only with loopback addresses";
        if (RegistryAddresses.IsLoopbackHost(to.Host) && !RegistryAddresses.IsLoopbackHost(session.BaseUri.Host) && !SameHost(to, session.BaseUri))
            return "a loopback address, which a remote registry may not send Baton to";
        return null;
    }

    private static bool SameHost(Uri a, Uri b) => Uri.Compare(a, b, UriComponents.HostAndPort, UriFormat.UriEscaped, StringComparison.OrdinalIgnoreCase) == 0;

    /// <summary>Connects to the host's addresses unless one is link-local or a metadata address: then to none (whatever the name).</summary>
    private static async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken ct)
    {
        var host = context.DnsEndPoint.Host;
        var addresses = await Dns.GetHostAddressesAsync(host, ct).ConfigureAwait(false);
        if (addresses.Length == 0 || addresses.Any(RegistryAddresses.IsForbidden))
            throw new ForbiddenAddressException($"{host} is a link-local or metadata address, which Baton never contacts");
        var socket = new System.Net.Sockets.Socket(System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(addresses, context.DnsEndPoint.Port, ct).ConfigureAwait(false);
            return new System.Net.Sockets.NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private sealed class ForbiddenAddressException(string message) : IOException(message);

    private async Task<RegistryResult<HttpResponseMessage>> SendOnceAsync(RegistrySession session, Uri uri, string[]? accept, AuthenticationHeaderValue? authorization, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, uri);
        foreach (var type in accept ?? []) request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(type));
        request.Headers.Authorization = authorization;
        try
        {
            return await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct).ConfigureAwait(false);
        }
        catch (HttpRequestException e)
        {
            if (e.InnerException is ForbiddenAddressException forbidden)
                return new RegistryError(RegistryErrorKind.Unreachable, $"The registry {session.Host} led to {forbidden.Message}.");
            var why = e.HttpRequestError switch
            {
                HttpRequestError.ConnectionError => "connection refused",
                HttpRequestError.NameResolutionError => "unknown host",
                HttpRequestError.SecureConnectionError => "TLS failed",
                _ => e.Message.TrimEnd('.'),
            };
            return new RegistryError(RegistryErrorKind.Unreachable, $"The registry {session.Host} cannot be reached at {uri.GetLeftPart(UriPartial.Authority)} ({why}); check that it runs and that the host is right.");
        }
        catch (TaskCanceledException) when (!ct.IsCancellationRequested)
        {
            return new RegistryError(RegistryErrorKind.Unreachable, $"The registry {session.Host} did not answer within {_timeout.TotalSeconds:0} s.");
        }
    }

    /// <summary>Answers a challenge: Basic with the login; Bearer with a token from the realm (cached until it expires).</summary>
    private async Task<RegistryResult<AuthenticationHeaderValue>> AuthorizeAsync(RegistrySession session, Challenge? challenge, AuthenticationHeaderValue? sent, CancellationToken ct)
    {
        if (challenge is null) return RegistryErrors.BadAnswer(session, "401 without a Basic or Bearer WWW-Authenticate challenge");
        if (session.Login is not { } login) return RegistryErrors.NeedsLogin(session);
        if (challenge.IsBasic)
            return new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{login.Username}:{login.Password}")));
        return await TokenAsync(session, challenge, sent, ct).ConfigureAwait(false);
    }

    private async Task<RegistryResult<AuthenticationHeaderValue>> TokenAsync(RegistrySession session, Challenge challenge, AuthenticationHeaderValue? sent, CancellationToken ct)
    {
        if (!Uri.TryCreate(challenge["realm"], UriKind.Absolute, out var realm) || realm.Scheme is not ("http" or "https"))
            return RegistryErrors.BadAnswer(session, "a Bearer challenge without a usable realm URL");
        if (HostRefusal(session, realm) is { } refusal)
            return new RegistryError(RegistryErrorKind.BadAnswer, $"The registry {session.Host} named the token server {realm.GetLeftPart(UriPartial.Authority)}: {refusal}.");
        var login = RealmLogin(session, realm);
        var service = challenge["service"];
        var scope = challenge["scope"] ?? (session.Repository is { } r ? $"repository:{r}:pull" : null);
        var key = TokenCache.Key(realm.AbsoluteUri, service, scope, login);
        // A cached token that was just refused is not offered again.
        if (_tokens.Get(key) is { } cached && sent?.Parameter != cached) return new AuthenticationHeaderValue("Bearer", cached);

        var query = new StringBuilder(realm.Query.TrimStart('?'));
        if (service is not null) query.Append(query.Length > 0 ? "&" : "").Append("service=").Append(Uri.EscapeDataString(service));
        if (scope is not null) query.Append(query.Length > 0 ? "&" : "").Append("scope=").Append(Uri.EscapeDataString(scope));
        var tokenUri = new UriBuilder(realm) { Query = query.ToString() }.Uri;
        var basic = login is not null
            ? new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{login.Username}:{login.Password}")))
            : null;
        var sentToken = await RawSendAsync(session, tokenUri, null, basic, Hops.Storage, ct).ConfigureAwait(false);
        if (!sentToken.TryGetValue(out var response, out var error)) return error;
        using (response)
        {
            if (response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
                return login is null && session.Login is not null ? RegistryErrors.RealmNeedsLogin(session, realm)
                    : session.Login is null ? RegistryErrors.NeedsLogin(session) : RegistryErrors.Refused(session);
            if (!response.IsSuccessStatusCode) return RegistryErrors.BadAnswer(session, $"{(int)response.StatusCode} from its token server {realm.GetLeftPart(UriPartial.Path)}");
            var body = await ReadAsync(response, ct).ConfigureAwait(false);
            var answer = body is null ? null : RegistryJson.TryParse(body, RegistryJson.Default.TokenAnswer);
            var token = answer?.Token is { Length: > 0 } t ? t : answer?.AccessToken;
            if (string.IsNullOrEmpty(token)) return RegistryErrors.BadAnswer(session, $"no token from its token server {realm.GetLeftPart(UriPartial.Path)}");
            var lifetime = answer!.ExpiresIn is int s and > 0 ? TimeSpan.FromSeconds(s) : TokenCache.DefaultLifetime;
            _tokens.Put(key, token, lifetime);
            return new AuthenticationHeaderValue("Bearer", token);
        }
    }

    /// <summary>
    /// The login a token server gets: the registry's when the token server is on the registry's
    /// host (any port: a token server beside the registry on the same machine is the usual setup
    /// of distribution) or is Docker Hub's own, auth.docker.io (as Docker trusts its hosts); else
    /// the one stored for the token server's own host when there is one, else none: a login goes
    /// only to the host it was stored for.
    /// </summary>
    private RegistryLogin? RealmLogin(RegistrySession session, Uri realm)
    {
        if (realm.IdnHost.Equals(session.BaseUri.IdnHost, StringComparison.OrdinalIgnoreCase)) return session.Login;
        if (session.Host == ImageName.DockerHub && realm.Scheme == "https" && realm.IdnHost == "auth.docker.io") return session.Login;
        return _logins(realm.IsDefaultPort ? realm.IdnHost : $"{realm.IdnHost}:{realm.Port}");
    }

    /// <summary>The next page from <c>Link: &lt;URL&gt;; rel="next"</c>, only on the same registry (the login is not sent elsewhere).</summary>
    private static Uri? NextPage(HttpResponseMessage response, Uri current)
    {
        if (!response.Headers.TryGetValues("Link", out var links)) return null;
        foreach (var link in links.SelectMany(l => l.Split(',')))
        {
            var open = link.IndexOf('<', StringComparison.Ordinal);
            var close = link.IndexOf('>', StringComparison.Ordinal);
            if (open < 0 || close < open || !link[close..].Contains("rel=\"next\"", StringComparison.OrdinalIgnoreCase) && !link[close..].Contains("rel=next", StringComparison.OrdinalIgnoreCase)) continue;
            if (!Uri.TryCreate(current, link[(open + 1)..close], out var next)) return null;
            return next.GetLeftPart(UriPartial.Authority) == current.GetLeftPart(UriPartial.Authority) && next != current ? next : null;
        }
        return null;
    }

    /// <summary>Reads a body of at most 4 MB; null when it is larger (a registry does not send that for a manifest, tag page or config).</summary>
    private static async Task<byte[]?> ReadAsync(HttpResponseMessage response, CancellationToken ct)
    {
        if (response.Content.Headers.ContentLength > MaxBodyBytes) return null;
        using var stream = await response.Content.ReadAsStreamAsync(ct).ConfigureAwait(false);
        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while ((read = await stream.ReadAsync(chunk, ct).ConfigureAwait(false)) > 0)
        {
            if (buffer.Length + read > MaxBodyBytes) return null;
            buffer.Write(chunk, 0, read);
        }
        return buffer.ToArray();
    }

    [GeneratedRegex(@"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$")]
    private static partial Regex TagPattern();

    [GeneratedRegex(@"^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[A-Za-z0-9=_-]{32,}$")]
    private static partial Regex DigestPattern();

    [GeneratedRegex(@"\.\d{8,}")]
    private static partial Regex FractionPattern();
}
