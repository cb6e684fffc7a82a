using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;

namespace Baton.Registry.Tests.Infrastructure;

/// <summary>What a push stored: the manifest's digest (as the registry answered it) and size.</summary>
public sealed record Pushed(string Digest, long Size);

/// <summary>
/// Pushes small images through the Registry HTTP API, as <c>docker push</c> does: a layer blob and
/// a config blob (with its <c>created</c> time) by monolithic upload, then the manifest under a tag.
/// </summary>
public sealed class RegistryPush(Uri registry, AuthenticationHeaderValue? authorization = null) : IDisposable
{
    private readonly HttpClient _http = new(new SocketsHttpHandler { UseProxy = false }) { Timeout = TimeSpan.FromSeconds(30) };

    /// <summary>Pushes a one-layer Docker v2 image whose config says it was created at <paramref name="created"/>.</summary>
    public async Task<Pushed> ImageAsync(string repository, string tag, DateTimeOffset created)
    {
        var layer = Encoding.UTF8.GetBytes($"layer of {repository}:{tag} {Guid.NewGuid()}");
        var layerDigest = await BlobAsync(repository, layer);
        // Nanoseconds, as Go writes them: the client must read more than .NET's seven digits.
        var config = Encoding.UTF8.GetBytes(
            $$$"""{"architecture":"amd64","os":"linux","created":"{{{created.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffffff", CultureInfo.InvariantCulture)}}}42Z","config":{},"rootfs":{"type":"layers","diff_ids":["{{{layerDigest}}}"]}}""");
        var configDigest = await BlobAsync(repository, config);
        var manifest = $$"""
            {"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.v2+json",
             "config":{"mediaType":"application/vnd.docker.container.image.v1+json","size":{{config.Length}},"digest":"{{configDigest}}"},
             "layers":[{"mediaType":"application/vnd.docker.image.rootfs.diff.tar.gzip","size":{{layer.Length}},"digest":"{{layerDigest}}"}]}
            """;
        return await ManifestAsync(repository, tag, manifest, "application/vnd.docker.distribution.manifest.v2+json");
    }

    /// <summary>Pushes an OCI index whose only platform is an image pushed before.</summary>
    public Task<Pushed> IndexAsync(string repository, string tag, Pushed platformImage)
    {
        var index = $$$"""
            {"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json",
             "manifests":[{"mediaType":"application/vnd.docker.distribution.manifest.v2+json","size":{{{platformImage.Size}}},"digest":"{{{platformImage.Digest}}}","platform":{"architecture":"amd64","os":"linux"}}]}
            """;
        return ManifestAsync(repository, tag, index, "application/vnd.oci.image.index.v1+json");
    }

    private async Task<string> BlobAsync(string repository, byte[] content)
    {
        var digest = "sha256:" + Convert.ToHexStringLower(SHA256.HashData(content));
        using var start = Request(HttpMethod.Post, new Uri(registry, $"v2/{repository}/blobs/uploads/"));
        using var started = await _http.SendAsync(start);
        Expect(started, HttpStatusCode.Accepted, "start a blob upload");
        var location = new Uri(new Uri(registry, $"v2/{repository}/blobs/uploads/"), started.Headers.Location!);
        var finish = new UriBuilder(location);
        finish.Query = (finish.Query.TrimStart('?') is { Length: > 0 } q ? q + "&" : "") + "digest=" + Uri.EscapeDataString(digest);
        using var put = Request(HttpMethod.Put, finish.Uri);
        put.Content = new ByteArrayContent(content);
        put.Content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        using var done = await _http.SendAsync(put);
        Expect(done, HttpStatusCode.Created, "finish a blob upload");
        return digest;
    }

    private async Task<Pushed> ManifestAsync(string repository, string tag, string manifest, string mediaType)
    {
        var bytes = Encoding.UTF8.GetBytes(manifest);
        using var put = Request(HttpMethod.Put, new Uri(registry, $"v2/{repository}/manifests/{tag}"));
        put.Content = new ByteArrayContent(bytes);
        put.Content.Headers.ContentType = new MediaTypeHeaderValue(mediaType);
        using var response = await _http.SendAsync(put);
        Expect(response, HttpStatusCode.Created, $"push the manifest of {repository}:{tag}");
        return new Pushed(response.Headers.GetValues("Docker-Content-Digest").Single(), bytes.Length);
    }

    private HttpRequestMessage Request(HttpMethod method, Uri uri)
    {
        var request = new HttpRequestMessage(method, uri);
        request.Headers.Authorization = authorization;
        return request;
    }

    private static void Expect(HttpResponseMessage response, HttpStatusCode status, string what)
    {
        if (response.StatusCode != status)
            throw new InvalidOperationException($"The registry answered {(int)response.StatusCode} to {what}: {response.Content.ReadAsStringAsync().Result}");
    }

    public void Dispose() => _http.Dispose();
}
