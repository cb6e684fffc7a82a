using System.Net;
using Baton.Registry.Auth;
using Baton.Registry.Tests.Infrastructure;
using Microsoft.AspNetCore.Http;

namespace Baton.Registry.Tests;

/// <summary>
/// Issue 12, point 2: a registry that a deployer controls (they name it in a service file) tries
/// to make Baton's server fetch from elsewhere, or to collect a stored login. Real Kestrel
/// servers on 127.0.0.2, 127.0.0.3 and other ports play the registry, its accomplices and an
/// internal service; each records what reached it.
/// </summary>
public sealed class HostileRegistryTests : IAsyncLifetime
{
    private const string Config = "sha256:1111111111111111111111111111111111111111111111111111111111111111";
    private static readonly RegistryLogin Stored = new("deploy-bot", "s3cret-registry-password");

    private readonly List<HostileServer> _servers = [];

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var s in _servers) await s.DisposeAsync();
    }

    private async Task<HostileServer> StartAsync(string address, Func<HttpContext, Task> answer)
    {
        var server = await HostileServer.StartAsync(address, answer);
        _servers.Add(server);
        return server;
    }

    /// <summary>An internal service with something to leak: answers anything with a tag list and a config.</summary>
    private Task<HostileServer> InternalAsync(string address) =>
        StartAsync(address, c => HostileServer.Json(c, """{"name":"foo","tags":["internal-secret"],"created":"2001-01-01T00:00:00Z"}"""));

    private static RegistryClient Client(HostileServer registry) => new(host => host == registry.Host ? Stored : null);

    [Theory]
    [InlineData("127.0.0.3")] // another loopback address
    [InlineData("127.0.0.2")] // the same address, another port
    public async Task ListTags_TagListRedirectedToAnotherHost_RefusedAndNothingReachedIt(string internalAddress)
    {
        var inside = await InternalAsync(internalAddress);
        var registry = await StartAsync("127.0.0.2", c => HostileServer.Redirect(c, new Uri(inside.BaseUri, "v2/foo/tags/list").ToString()));
        using var client = Client(registry);

        var listed = await client.ListTagsAsync($"{registry.Host}/foo");

        Assert.False(listed.IsSuccess);
        Assert.Equal(RegistryErrorKind.BadAnswer, listed.Error.Kind);
        Assert.Equal($"The registry {registry.Host} redirected /v2/foo/tags/list to {inside.BaseUri.GetLeftPart(UriPartial.Authority)}, another host; Baton follows a registry only on its own host (and blobs and token servers to their storage), so nothing was read there.", listed.Error.Message);
        Assert.Empty(inside.Seen);
    }

    [Fact]
    public async Task ListTags_ManifestRedirectedToAnotherHost_TagListedWithoutDetails_NothingReachedIt()
    {
        var inside = await InternalAsync("127.0.0.3");
        var registry = await StartAsync("127.0.0.2", c => c.Request.Path.Value!.EndsWith("/tags/list", StringComparison.Ordinal)
            ? HostileServer.Json(c, """{"name":"foo","tags":["v1"]}""")
            : HostileServer.Redirect(c, new Uri(inside.BaseUri, "latest/meta-data/iam").ToString(), 302));
        using var client = Client(registry);

        var listed = await client.ListTagsAsync($"{registry.Host}/foo");

        Assert.True(listed.TryGetValue(out var list, out var error), error?.Message);
        Assert.Equal(new TagInfo("v1", null, null), Assert.Single(list.Tags));
        Assert.Empty(inside.Seen);
    }

    [Fact]
    public async Task ListTags_BlobRedirectedToStorage_FollowedAsDockerDoes_WithoutTheLogin()
    {
        var storage = await StartAsync("127.0.0.3", c => HostileServer.Json(c, """{"created":"2026-03-04T05:06:07Z"}"""));
        var registry = await StartAsync("127.0.0.2", c =>
        {
            var path = c.Request.Path.Value!;
            if (c.Request.Headers.Authorization.Count == 0)
            {
                c.Response.Headers.WWWAuthenticate = "Basic realm=\"registry\"";
                c.Response.StatusCode = 401;
                return Task.CompletedTask;
            }
            if (path.EndsWith("/tags/list", StringComparison.Ordinal)) return HostileServer.Json(c, """{"name":"foo","tags":["v1"]}""");
            if (path.Contains("/manifests/", StringComparison.Ordinal))
            {
                c.Response.ContentType = "application/vnd.docker.distribution.manifest.v2+json";
                return c.Response.WriteAsync($$"""{"schemaVersion":2,"config":{"mediaType":"application/vnd.docker.container.image.v1+json","size":40,"digest":"{{Config}}"},"layers":[]}""");
            }
            return HostileServer.Redirect(c, new Uri(storage.BaseUri, "bucket/config?signature=x").ToString());
        });
        using var client = Client(registry);

        var listed = await client.ListTagsAsync($"{registry.Host}/foo");

        Assert.True(listed.TryGetValue(out var list, out var error), error?.Message);
        Assert.Equal(new DateTimeOffset(2026, 3, 4, 5, 6, 7, TimeSpan.Zero), Assert.Single(list.Tags).Created);
        var fetched = Assert.Single(storage.Seen);
        Assert.Equal("/bucket/config?signature=x", fetched.PathAndQuery);
        Assert.Null(fetched.Authorization);
        Assert.All(registry.Seen.Skip(1), r => Assert.NotNull(r.Authorization));
    }

    [Fact]
    public async Task ListTags_TokenRealmOnAnotherHost_GetsNoStoredLogin()
    {
        var realm = await StartAsync("127.0.0.3", c => HostileServer.Json(c, "{}", 401));
        var registry = await StartAsync("127.0.0.2", c =>
        {
            c.Response.Headers.WWWAuthenticate = $"Bearer realm=\"{new Uri(realm.BaseUri, "token")}\",service=\"evil\"";
            c.Response.StatusCode = 401;
            return Task.CompletedTask;
        });
        using var client = Client(registry);

        var listed = await client.ListTagsAsync($"{registry.Host}/foo");

        Assert.False(listed.IsSuccess);
        Assert.Equal(RegistryErrorKind.NeedsLogin, listed.Error.Kind);
        Assert.Contains($"the token server {realm.Host}, another host, which never gets the login stored for {registry.Host}", listed.Error.Message);
        var asked = Assert.Single(realm.Seen);
        Assert.Null(asked.Authorization);
    }

    [Fact]
    public async Task ListTags_TokenRealmOnTheRegistrysHost_GetsTheStoredLogin()
    {
        HostileServer registry = null!;
        registry = await StartAsync("127.0.0.2", c =>
        {
            if (c.Request.Path == "/token") return HostileServer.Json(c, """{"token":"t0k3n"}""");
            if (c.Request.Headers.Authorization == "Bearer t0k3n") return HostileServer.Json(c, """{"name":"foo","tags":[]}""");
            c.Response.Headers.WWWAuthenticate = $"Bearer realm=\"{new Uri(registry.BaseUri, "token")}\",service=\"reg\"";
            c.Response.StatusCode = 401;
            return Task.CompletedTask;
        });
        using var client = Client(registry);

        var listed = await client.ListTagsAsync($"{registry.Host}/foo");

        Assert.True(listed.IsSuccess, listed.Error?.Message);
        var token = Assert.Single(registry.Seen, r => r.PathAndQuery.StartsWith("/token", StringComparison.Ordinal));
        Assert.Equal("Basic " + Convert.ToBase64String("deploy-bot:s3cret-registry-password"u8.ToArray()), token.Authorization);
    }

    [Theory]
    [InlineData("http://169.254.169.254/latest/meta-data/", "a link-local or metadata address")]
    [InlineData("https://[fe80::1]/x", "a link-local or metadata address")]
    [InlineData("https://[::ffff:169.254.169.254]/x", "a link-local or metadata address")]
    [InlineData("http://127.evil.example/x", "plain http is used only with loopback addresses")]
    [InlineData("file:///etc/passwd", "file is not http or https")]
    public async Task ListTags_RedirectToForbiddenPlace_RefusedWithItsReason(string location, string reason)
    {
        var registry = await StartAsync("127.0.0.2", c => HostileServer.Redirect(c, location));
        using var client = Client(registry);

        var listed = await client.ListTagsAsync($"{registry.Host}/foo");

        Assert.False(listed.IsSuccess);
        Assert.Contains(reason, listed.Error.Message);
    }

    [Fact]
    public async Task ListTags_TooManyRedirectsOnTheSameHost_Refused()
    {
        var registry = await StartAsync("127.0.0.2", c => HostileServer.Redirect(c, "/v2/foo/tags/list?again=" + c.Request.QueryString.Value!.Length));
        using var client = Client(registry);

        var listed = await client.ListTagsAsync($"{registry.Host}/foo");

        Assert.Contains("more than 3 redirects", listed.Error!.Message);
        Assert.Equal(4, registry.Seen.Count);
    }

    [Theory]
    [InlineData("127.0.0.1", true)]
    [InlineData("127.9.9.9", true)]
    [InlineData("localhost", true)]
    [InlineData("[::1]", true)]
    [InlineData("127.evil.example", false)]
    [InlineData("127.0.0.1.nip.io", false)]
    [InlineData("127.1", false)]
    [InlineData("2130706433", false)]
    [InlineData("10.0.0.1", false)]
    public void IsLoopbackHost_OnlyRealLoopback(string host, bool loopback) =>
        Assert.Equal(loopback, RegistryAddresses.IsLoopbackHost(host));

    [Theory]
    [InlineData("169.254.169.254", true)]
    [InlineData("169.254.0.1", true)]
    [InlineData("::ffff:169.254.169.254", true)]
    [InlineData("fe80::1", true)]
    [InlineData("fd00:ec2::254", true)]
    [InlineData("100.100.100.200", true)]
    [InlineData("0.0.0.0", true)]
    [InlineData("::", true)]
    [InlineData("127.0.0.1", false)]
    [InlineData("10.1.2.3", false)]
    [InlineData("2001:db8::1", false)]
    public void IsForbidden_LinkLocalAndMetadata(string address, bool forbidden) =>
        Assert.Equal(forbidden, RegistryAddresses.IsForbidden(IPAddress.Parse(address)));

    [Fact]
    public void ImageName_HostThatOnlyStartsWith127_SpokenToOverHttps()
    {
        Assert.True(ImageName.TryParse("127.evil.example:5000/foo", out var name, out _));
        Assert.Equal("https://127.evil.example:5000/", name.BaseUri.ToString());
        Assert.True(ImageName.TryParse("127.0.0.1:5000/foo", out var local, out _));
        Assert.Equal("http://127.0.0.1:5000/", local.BaseUri.ToString());
    }
}
