using System.Net;
using System.Text.RegularExpressions;
using Baton.BrowserTests.Infrastructure;

namespace Baton.BrowserTests;

/// <summary>The page's files on the admin listener: types, caching, the security policy, and no login needed for them alone.</summary>
public sealed partial class PageServingTests
{
    private const string Csp = "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

    [Fact]
    public async Task Page_ServedWithoutTokenWithCspAndETag_RevalidatesTo304_ApiStillNeedsToken()
    {
        await using var server = await WebServer.StartAsync();
        using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { BaseAddress = server.AdminUri };

        using var index = await http.GetAsync("/");
        Assert.Equal(HttpStatusCode.OK, index.StatusCode);
        Assert.Equal("text/html", index.Content.Headers.ContentType?.MediaType);
        Assert.Equal(Csp, string.Join(", ", index.Headers.GetValues("Content-Security-Policy")));
        Assert.Contains("no-cache", index.Headers.CacheControl?.ToString());
        var etag = index.Headers.ETag;
        Assert.NotNull(etag);

        using var again = new HttpRequestMessage(HttpMethod.Get, "/");
        again.Headers.IfNoneMatch.Add(etag);
        using var notModified = await http.SendAsync(again);
        Assert.Equal(HttpStatusCode.NotModified, notModified.StatusCode);

        // Every file the page refers to is there, with its type; none is inline or from elsewhere.
        var html = await index.Content.ReadAsStringAsync();
        Assert.DoesNotMatch(@"<script(?![^>]*\bsrc=)[^>]*>", html);
        Assert.DoesNotContain("style=", html);
        var files = AssetReference().Matches(html).Select(m => m.Groups[1].Value).Distinct().ToList();
        Assert.Contains("/assets/app.js", files);
        Assert.Contains("/assets/style.css", files);
        var modules = new Queue<string>(files);
        var seen = new HashSet<string>();
        while (modules.TryDequeue(out var file))
        {
            if (!seen.Add(file)) continue;
            using var response = await http.GetAsync(file);
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{file} answered {(int)response.StatusCode}");
            var type = response.Content.Headers.ContentType?.MediaType;
            var expected = Path.GetExtension(file) switch { ".js" => "text/javascript", ".css" => "text/css", ".svg" => "image/svg+xml", _ => "?" };
            Assert.Equal(expected, type);
            Assert.NotNull(response.Headers.ETag);
            if (type != "text/javascript") continue;
            var source = await response.Content.ReadAsStringAsync();
            Assert.DoesNotMatch(@"https?://(?!www\.w3\.org/2000/svg)", source);
            foreach (Match import in ModuleImport().Matches(source)) modules.Enqueue("/assets/" + import.Groups[1].Value);
        }
        Assert.True(seen.Count >= 6, string.Join(", ", seen));

        using var missing = await http.GetAsync("/assets/no-such-file.js");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        using var api = await http.GetAsync("/api/status");
        Assert.Equal(HttpStatusCode.Unauthorized, api.StatusCode);
        using var post = await http.PostAsync("/", new StringContent(""));
        Assert.NotEqual(HttpStatusCode.OK, post.StatusCode);
    }

    [GeneratedRegex("(?:src|href)=\"(/assets/[^\"]+)\"")]
    private static partial Regex AssetReference();

    [GeneratedRegex(@"from '\./([a-z-]+\.js)'")]
    private static partial Regex ModuleImport();
}
