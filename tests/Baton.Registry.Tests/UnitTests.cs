using System.Net;
using System.Text;
using Baton.Registry.Auth;
using Baton.Registry.Credentials;

namespace Baton.Registry.Tests;

public sealed class ImageNameTests
{
    [Theory]
    [InlineData("127.0.0.1:5000/shop", "127.0.0.1:5000", "shop", "http://127.0.0.1:5000/")]
    [InlineData("127.0.0.1:5000/team/shop:v2", "127.0.0.1:5000", "team/shop", "http://127.0.0.1:5000/")]
    [InlineData("localhost:5000/shop@sha256:abc", "localhost:5000", "shop", "http://localhost:5000/")]
    [InlineData("registry.example.com/team/shop:v1", "registry.example.com", "team/shop", "https://registry.example.com/")]
    [InlineData("nginx", "registry-1.docker.io", "library/nginx", "https://registry-1.docker.io/")]
    [InlineData("nginx:1.27", "registry-1.docker.io", "library/nginx", "https://registry-1.docker.io/")]
    [InlineData("grafana/grafana", "registry-1.docker.io", "grafana/grafana", "https://registry-1.docker.io/")]
    [InlineData("docker.io/nginx", "registry-1.docker.io", "library/nginx", "https://registry-1.docker.io/")]
    public void TryParse_References_HostRepositoryAndScheme(string reference, string host, string repository, string baseUri)
    {
        Assert.True(ImageName.TryParse(reference, out var name, out var error), error);
        Assert.Equal((host, repository, new Uri(baseUri)), (name.Host, name.Repository, name.BaseUri));
    }

    [Theory]
    [InlineData("")]
    [InlineData("127.0.0.1:5000/Shop")]
    [InlineData("127.0.0.1:5000/shop//x")]
    [InlineData("127.0.0.1:99999/shop")]
    [InlineData("127.0.0.1:5000/sh op")]
    public void TryParse_NotARepository_OneSentence(string reference)
    {
        Assert.False(ImageName.TryParse(reference, out _, out var error));
        Assert.EndsWith(".", error);
    }

    [Theory]
    [InlineData("127.0.0.1:5000", true)]
    [InlineData("Registry.Example.com", true)]
    [InlineData("[::1]:5000", true)]
    [InlineData("a b", false)]
    [InlineData("host:port", false)]
    [InlineData("", false)]
    public void TryParseHost_Hosts(string host, bool valid) => Assert.Equal(valid, ImageName.TryParseHost(host, out _, out _, out _));
}

/// <summary>Inputs bench/fuzz.sh found that passed the host checks but made Uri throw.</summary>
public sealed class ImageNameFuzzFindingsTests
{
    [Theory]
    [InlineData("x.example:+4/app")]
    [InlineData("d3456:51000\0/app")]
    [InlineData("[\uFFFD1]:5000/b")]
    public void TryParse_HostThatIsNoUrl_RefusedNotThrown(string reference)
    {
        Assert.False(ImageName.TryParse(reference, out _, out var error));
        Assert.Contains("is not an image repository", error);
        Assert.False(ImageName.TryParseHost(reference.Split('/')[0], out _, out _, out _));
    }
}

public sealed class ChallengeTests
{
    [Fact]
    public void ParseParameters_QuotedScopeWithCommas_KeepsItWhole()
    {
        var p = Challenge.ParseParameters("realm=\"https://auth.example.com/token\",service=\"registry.example.com\",scope=\"repository:team/app:pull,push\"");

        Assert.Equal("https://auth.example.com/token", p["realm"]);
        Assert.Equal("registry.example.com", p["service"]);
        Assert.Equal("repository:team/app:pull,push", p["scope"]);
    }

    [Fact]
    public void ParseParameters_TokensAndEscapes()
    {
        var p = Challenge.ParseParameters("realm=basic-realm, error=\"say \\\"hi\\\"\"");

        Assert.Equal("basic-realm", p["realm"]);
        Assert.Equal("say \"hi\"", p["error"]);
    }
}

public sealed class ParseTimeTests
{
    [Theory]
    [InlineData("2026-03-01T12:00:00.123456789Z", 1234567)]
    [InlineData("2026-03-01T12:00:00Z", 0)]
    [InlineData("2026-03-01T14:00:00.5+02:00", 5000000)]
    public void ParseTime_Rfc3339UpToNanoseconds(string text, long ticksAfterNoon) =>
        Assert.Equal(new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero).AddTicks(ticksAfterNoon), RegistryClient.ParseTime(text));

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("yesterday")]
    public void ParseTime_NotATime_Null(string? text) => Assert.Null(RegistryClient.ParseTime(text));
}

/// <summary>
/// Paging through <c>Link: rel="next"</c>. Distribution 2.8 (Debian's docker-registry) sends every tag in one
/// page, so this is checked against a fake registry answering in pages of two.
/// </summary>
public sealed class PaginationTests
{
    [Fact]
    public async Task ListTags_PagedRegistry_FollowsNextLinksToTheEnd()
    {
        var handler = new PagedRegistry(["a1", "a2", "b1", "b2", "c1"]);
        using var client = new RegistryClient(_ => null, handler: handler);

        var listed = await client.ListTagsAsync("registry.example.com/team/app");

        Assert.True(listed.TryGetValue(out var list, out var error), error?.Message);
        Assert.Equal(["c1", "b2", "b1", "a2", "a1"], list.Tags.Select(t => t.Tag));
        Assert.Equal(3, handler.Pages);
        Assert.All(handler.Requested, u => Assert.Equal("https://registry.example.com", u.GetLeftPart(UriPartial.Authority)));
    }

    [Fact]
    public async Task ListTags_NextLinkToAnotherHost_NotFollowed()
    {
        var handler = new PagedRegistry(["a1", "a2", "b1"]) { NextHost = "https://elsewhere.example.com" };
        using var client = new RegistryClient(_ => null, handler: handler);

        var listed = await client.ListTagsAsync("registry.example.com/team/app");

        Assert.True(listed.TryGetValue(out var list, out var error), error?.Message);
        Assert.Equal(["a2", "a1"], list.Tags.Select(t => t.Tag));
        Assert.DoesNotContain(handler.Requested, u => u.Host == "elsewhere.example.com");
    }

    private sealed class PagedRegistry(string[] tags) : HttpMessageHandler
    {
        public string NextHost { get; init; } = "";
        public int Pages { get; private set; }
        public List<Uri> Requested { get; } = [];

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var uri = request.RequestUri!;
            lock (Requested) Requested.Add(uri);
            if (!uri.AbsolutePath.EndsWith("/tags/list", StringComparison.Ordinal))
                return Task.FromResult(new HttpResponseMessage(HttpStatusCode.NotFound)); // no manifests: tags without details
            Pages++;
            var last = System.Web.HttpUtility.ParseQueryString(uri.Query)["last"];
            var page = tags.Where(t => last is null || string.CompareOrdinal(t, last) > 0).Take(2).ToArray();
            var response = new HttpResponseMessage(HttpStatusCode.OK)
            {
                Content = new StringContent($"{{\"name\":\"team/app\",\"tags\":[{string.Join(',', page.Select(t => $"\"{t}\""))}]}}", Encoding.UTF8, "application/json"),
            };
            if (page.Length == 2 && page[^1] != tags[^1])
                response.Headers.TryAddWithoutValidation("Link", $"<{NextHost}/v2/team/app/tags/list?last={page[^1]}&n=2>; rel=\"next\"");
            return Task.FromResult(response);
        }
    }
}

public sealed class RegistryCredentialStoreTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("baton-registry-store-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Set_WritesAnOwnerOnlyFileThatAReopenReads()
    {
        var store = RegistryCredentialStore.Open(_dir);

        store.Set("registry.example.com", new RegistryLogin("deploy", "pa55"));

        var file = Path.Combine(_dir, RegistryCredentialStore.FileName);
        if (!OperatingSystem.IsWindows()) Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
        Assert.False(File.Exists(file + ".tmp"));
        var reopened = RegistryCredentialStore.Open(_dir);
        Assert.Equal(new RegistryLogin("deploy", "pa55"), reopened.Get("Registry.Example.com"));
        Assert.Equal([("registry.example.com", "deploy")], reopened.List());
    }

    [Fact]
    public void Remove_ForgetsOnlyThatHost()
    {
        var store = RegistryCredentialStore.Open(_dir);
        store.Set("a.example.com", new RegistryLogin("a", "1"));
        store.Set("b.example.com", new RegistryLogin("b", "2"));

        Assert.True(store.Remove("a.example.com"));
        Assert.False(store.Remove("a.example.com"));

        var reopened = RegistryCredentialStore.Open(_dir);
        Assert.Null(reopened.Get("a.example.com"));
        Assert.Equal("b", reopened.Get("b.example.com")!.Username);
    }

    [Fact]
    public void Open_DamagedFile_OneSentence()
    {
        File.WriteAllText(Path.Combine(_dir, RegistryCredentialStore.FileName), "{not json");

        var e = Assert.Throws<InvalidDataException>(() => RegistryCredentialStore.Open(_dir));
        Assert.Contains("registries.json is not valid JSON", e.Message);
    }

    [Fact]
    public void LoginToString_NeverShowsThePassword() =>
        Assert.DoesNotContain("pa55", new RegistryLogin("deploy", "pa55").ToString());
}
