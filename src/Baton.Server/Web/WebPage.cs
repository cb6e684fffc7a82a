using System.Collections.Frozen;
using System.Reflection;
using System.Security.Cryptography;
using Baton.Server.Auth;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Baton.Server.Web;

/// <summary>
/// The operator's web page: static files embedded in this assembly (no build step, no CDN, so it
/// works offline and ships inside <c>baton server</c>), served on the admin listener at <c>/</c>
/// and <c>/assets/*</c> with a strict Content-Security-Policy. Browsers revalidate every file
/// (<c>no-cache</c>) against its ETag, so a new Baton is picked up at once and an unchanged file
/// costs a 304.
/// </summary>
internal static class WebPage
{
    /// <summary>No inline script or style, nothing from elsewhere, never framed.</summary>
    public const string ContentSecurityPolicy = "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

    private const string ResourcePrefix = "web/";

    private static readonly FrozenDictionary<string, string> ContentTypes = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
    {
        [".html"] = "text/html; charset=utf-8",
        [".js"] = "text/javascript; charset=utf-8",
        [".css"] = "text/css; charset=utf-8",
        [".svg"] = "image/svg+xml",
        [".png"] = "image/png",
        [".ico"] = "image/x-icon",
        [".json"] = "application/json",
    }.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase);

    private static readonly Lazy<FrozenDictionary<string, Asset>> Assets = new(Load);

    /// <summary>The page's files hold no data, so they are anonymous (the page asks for a login before it calls the API).</summary>
    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapGet("/", (HttpContext context) => Serve(context, "index.html")).AllowAnyone()
            .WithName("getWebPage").WithSummary("The operators' web page.").Produces<string>(StatusCodes.Status200OK, "text/html");
        app.MapGet("/assets/{*file}", (HttpContext context, string? file) => Serve(context, "assets/" + (file ?? ""))).AllowAnyone()
            .WithName("getWebAsset").WithSummary("A file of the web page (script, style, image).").Produces<string>(StatusCodes.Status200OK, "application/octet-stream");
    }

    private static IResult Serve(HttpContext context, string name)
    {
        var headers = context.Response.Headers;
        headers.ContentSecurityPolicy = ContentSecurityPolicy;
        headers.XContentTypeOptions = "nosniff";
        headers["Referrer-Policy"] = "no-referrer";
        if (!Assets.Value.TryGetValue(name, out var asset))
            return Results.Text("Not found.\n", "text/plain; charset=utf-8", statusCode: StatusCodes.Status404NotFound);
        headers.CacheControl = "no-cache";
        headers.ETag = asset.ETag;
        if (context.Request.Headers.IfNoneMatch.Any(v => v is not null && v.Split(',').Any(t => t.Trim() == asset.ETag || t.Trim() == "*")))
            return Results.StatusCode(StatusCodes.Status304NotModified);
        return Results.Bytes(asset.Content, asset.ContentType);
    }

    private static FrozenDictionary<string, Asset> Load()
    {
        var assembly = typeof(WebPage).Assembly;
        var assets = new Dictionary<string, Asset>(StringComparer.Ordinal);
        foreach (var resource in assembly.GetManifestResourceNames())
        {
            var name = resource.Replace('\\', '/');
            if (!name.StartsWith(ResourcePrefix, StringComparison.Ordinal)) continue;
            name = name[ResourcePrefix.Length..];
            if (!ContentTypes.TryGetValue(Path.GetExtension(name), out var type)) continue;
            assets[name] = new Asset(Read(assembly, resource), type);
        }
        return assets.ToFrozenDictionary(StringComparer.Ordinal);
    }

    private static byte[] Read(Assembly assembly, string resource)
    {
        using var stream = assembly.GetManifestResourceStream(resource)!;
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }

    /// <summary>One file of the page, with its strong ETag (a hash of its bytes).</summary>
    private sealed class Asset(byte[] content, string contentType)
    {
        public byte[] Content { get; } = content;
        public string ContentType { get; } = contentType;
        public string ETag { get; } = "\"" + Convert.ToHexString(SHA256.HashData(content))[..20].ToLowerInvariant() + "\"";
    }
}
