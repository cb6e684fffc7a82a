using System.Net;
using System.Text;
using System.Text.Json;

namespace Baton.Docker;

/// <summary>An image as inspected: its id, the registry digests it is known by, and the TCP ports it declares (<c>EXPOSE</c>).</summary>
public sealed record ImageInfo(
    string Id,
    IReadOnlyList<string> RepoTags,
    IReadOnlyList<string> RepoDigests,
    DateTimeOffset Created,
    long Size)
{
    public IReadOnlyList<int> ExposedPorts { get; init; } = [];

    internal static ImageInfo From(WireImage i) => new(i.Id ?? "", i.RepoTags ?? [], i.RepoDigests ?? [], i.Created, i.Size)
    {
        // "8000/tcp" (a bare "8000" is tcp too); udp ports are no HTTP target.
        ExposedPorts = (i.Config?.ExposedPorts?.Keys ?? Enumerable.Empty<string>())
            .Select(k => k.Split('/'))
            .Where(p => p.Length == 1 || p[1].Equals("tcp", StringComparison.OrdinalIgnoreCase))
            .Select(p => int.TryParse(p[0], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n) ? n : 0)
            .Where(n => n is > 0 and <= 65535).Order().ToList(),
    };
}

/// <summary>Credentials for a registry; <paramref name="ServerAddress"/> is the registry host, e.g. registry.example.com:5000.</summary>
public sealed record RegistryCredentials(string Username, string Password, string ServerAddress)
{
    public override string ToString() => $"{Username}@{ServerAddress}";

    /// <summary>The X-Registry-Auth header value: base64url of {username, password, serveraddress}.</summary>
    internal string ToHeader()
    {
        var json = JsonSerializer.SerializeToUtf8Bytes(
            new RegistryAuth { Username = Username, Password = Password, ServerAddress = ServerAddress }, DockerJson.Default.RegistryAuth);
        return Convert.ToBase64String(json).Replace('+', '-').Replace('/', '_');
    }
}

/// <summary>Image calls of one engine: inspect, pull, import, remove.</summary>
public sealed class Images : IImages
{
    private readonly DockerEngine engine;

    internal Images(DockerEngine engine) => this.engine = engine;

    /// <summary>Inspects a local image; a missing one is <see cref="DockerErrorKind.ImageNotFound"/>.</summary>
    public async Task<DockerResult<ImageInfo>> InspectAsync(string reference, CancellationToken cancellationToken = default)
    {
        var result = await engine.CallAsync(HttpMethod.Get, $"images/{CheckReference(reference)}/json", null,
            $"inspect image {reference}", DockerJson.Default.WireImage, cancellationToken).ConfigureAwait(false);
        return result.TryGetValue(out var image, out var error) ? ImageInfo.From(image) : error;
    }

    /// <summary>
    /// Pulls an image (tag defaults to latest) and returns it as inspected afterwards. The engine reports failures
    /// inside its progress stream, after a 200; those come back as error values too. No deadline unless given one.
    /// </summary>
    public async Task<DockerResult<ImageInfo>> PullAsync(
        string reference, RegistryCredentials? credentials = null, IProgress<string>? progress = null,
        TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        var (name, tag) = SplitReference(CheckReference(reference));
        // Always name a tag: with an empty one the engine pulls every tag of the repository.
        var request = DockerEngine.Request(HttpMethod.Post, $"images/create?fromImage={Uri.EscapeDataString(name)}&tag={Uri.EscapeDataString(tag)}");
        if (credentials is not null) request.Headers.Add("X-Registry-Auth", credentials.ToHeader());
        var action = $"pull image {reference}";
        var pulled = await engine.ExchangeAsync(request, action, (response, ct) => ReadProgressAsync(response, action, progress, ct),
            cancellationToken, timeout ?? Timeout.InfiniteTimeSpan).ConfigureAwait(false);
        if (!pulled.IsSuccess) return pulled.Error;
        return await InspectAsync(tag.StartsWith("sha256:", StringComparison.Ordinal) ? $"{name}@{tag}" : $"{name}:{tag}", cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Creates an image from a tarball of a root filesystem (like <c>docker import</c>); for images built without a registry.
    /// </summary>
    public async Task<DockerResult<ImageInfo>> ImportAsync(
        Stream rootfsTar, string repository, string tag, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(rootfsTar);
        var reference = CheckReference($"{repository}:{tag}");
        var content = new StreamContent(rootfsTar);
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/x-tar");
        var request = DockerEngine.Request(HttpMethod.Post,
            $"images/create?fromSrc=-&repo={Uri.EscapeDataString(repository)}&tag={Uri.EscapeDataString(tag)}", content);
        var action = $"import image {reference}";
        var imported = await engine.ExchangeAsync(request, action, (response, ct) => ReadProgressAsync(response, action, null, ct),
            cancellationToken, engine.Options.RequestTimeout * 4).ConfigureAwait(false);
        if (!imported.IsSuccess) return imported.Error;
        return await InspectAsync(reference, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Removes a local image (untags it; deletes layers no other image uses).</summary>
    public Task<DockerResult> RemoveAsync(string reference, bool force = false, CancellationToken cancellationToken = default) =>
        engine.CallAsync(HttpMethod.Delete, $"images/{CheckReference(reference)}?force={(force ? "true" : "false")}", null,
            $"remove image {reference}", cancellationToken);

    /// <summary>Reads JSON progress lines to the end; the first <c>error</c> line is the outcome.</summary>
    private static async Task<DockerResult<bool>> ReadProgressAsync(
        HttpResponseMessage response, string action, IProgress<string>? progress, CancellationToken ct)
    {
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(ct).ConfigureAwait(false), Encoding.UTF8);
        while (await reader.ReadLineAsync(ct).ConfigureAwait(false) is { } line)
        {
            if (string.IsNullOrWhiteSpace(line)) continue;
            var item = DockerJson.TryParse(line, DockerJson.Default.ProgressLine);
            if (item is null) continue;
            var error = item.ErrorDetail?.Message ?? item.Error;
            if (!string.IsNullOrEmpty(error))
            {
                var kind = DockerEngine.IsImageNotFound(HttpStatusCode.OK, error) ? HttpStatusCode.NotFound : HttpStatusCode.InternalServerError;
                return DockerEngine.MapError(kind, error, action);
            }
            if (progress is not null && item.Status is { } status)
                progress.Report(string.Join(" ", new[] { item.Id, status, item.Progress }.Where(s => !string.IsNullOrEmpty(s))));
        }
        return true;
    }

    /// <summary>Splits name[:tag][@digest]: a colon after the last slash starts the tag (one before it is a registry port).</summary>
    internal static (string Name, string Tag) SplitReference(string reference)
    {
        var at = reference.IndexOf('@', StringComparison.Ordinal);
        if (at >= 0) return (reference[..at], reference[(at + 1)..]);
        var colon = reference.LastIndexOf(':');
        return colon > reference.LastIndexOf('/') ? (reference[..colon], reference[(colon + 1)..]) : (reference, "latest");
    }

    /// <summary>References go into URL paths unescaped (the engine routes on the slashes), so allow only their own characters.</summary>
    private static string CheckReference(string reference)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(reference);
        foreach (var c in reference)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-' or '/' or ':' or '@'))
                throw new ArgumentException($"'{reference}' is not an image reference.", nameof(reference));
        }
        return reference;
    }
}
