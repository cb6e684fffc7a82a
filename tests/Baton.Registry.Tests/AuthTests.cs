using System.Net.Http.Headers;
using System.Text;
using Baton.Registry.Auth;
using Baton.Registry.Tests.Infrastructure;

namespace Baton.Registry.Tests;

/// <summary>A real registry with basic auth (htpasswd, bcrypt): the stored login is used; a wrong or missing one is one clear sentence.</summary>
public sealed class BasicAuthTests(BasicAuthRegistry fixture) : IClassFixture<BasicAuthRegistry>
{
    private static readonly DateTimeOffset T0 = new(2026, 4, 1, 8, 30, 0, TimeSpan.Zero);

    private RegistryProcess Registry => fixture.Registry;

    private static AuthenticationHeaderValue Basic(string user, string password) =>
        new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}")));

    private async Task<(string Repo, Pushed V1)> PushAsync()
    {
        var repo = $"private-{Guid.NewGuid():N}"[..20];
        using var push = new RegistryPush(Registry.BaseUri, Basic(BasicAuthRegistry.Username, BasicAuthRegistry.Password));
        return (repo, await push.ImageAsync(repo, "v1", T0));
    }

    [Fact]
    public async Task ListTags_StoredLogin_ListsWithDigestAndCreationTime()
    {
        var (repo, v1) = await PushAsync();
        using var client = new RegistryClient(host => host == Registry.Host ? new RegistryLogin(BasicAuthRegistry.Username, BasicAuthRegistry.Password) : null);

        var listed = await client.ListTagsAsync($"{Registry.Host}/{repo}");

        Assert.True(listed.TryGetValue(out var list, out var error), error?.Message);
        var tag = Assert.Single(list.Tags);
        Assert.Equal(("v1", v1.Digest, T0), (tag.Tag, tag.Digest, tag.Created!.Value));
    }

    [Fact]
    public async Task ListTags_WrongPassword_SaysTheLoginWasRefused()
    {
        var (repo, _) = await PushAsync();
        using var client = new RegistryClient(_ => new RegistryLogin(BasicAuthRegistry.Username, "wrong-password"));

        var listed = await client.ListTagsAsync($"{Registry.Host}/{repo}");

        Assert.False(listed.IsSuccess);
        Assert.Equal(RegistryErrorKind.CredentialsRefused, listed.Error.Kind);
        Assert.Contains($"refused the stored login of {BasicAuthRegistry.Username}", listed.Error.Message);
        Assert.DoesNotContain("wrong-password", listed.Error.Message);
    }

    [Fact]
    public async Task ListTags_NoLogin_SaysHowToStoreOne()
    {
        var (repo, _) = await PushAsync();
        using var client = new RegistryClient(_ => null);

        var listed = await client.ListTagsAsync($"{Registry.Host}/{repo}");

        Assert.False(listed.IsSuccess);
        Assert.Equal(RegistryErrorKind.NeedsLogin, listed.Error.Kind);
        Assert.Contains($"baton registry login {Registry.Host}", listed.Error.Message);
    }

    [Fact]
    public async Task CheckLogin_RightAndWrongPassword_AcceptedAndRefused()
    {
        using var client = new RegistryClient(_ => null);

        var right = await client.CheckLoginAsync(Registry.Host, new RegistryLogin(BasicAuthRegistry.Username, BasicAuthRegistry.Password));
        var wrong = await client.CheckLoginAsync(Registry.Host, new RegistryLogin(BasicAuthRegistry.Username, "nope"));

        Assert.True(right.TryGetValue(out var verified, out var error), error?.Message);
        Assert.True(verified);
        Assert.False(wrong.IsSuccess);
        Assert.Equal(RegistryErrorKind.CredentialsRefused, wrong.Error.Kind);
    }
}

/// <summary>
/// A real registry that takes only bearer tokens (<c>auth.token</c>) from a token server the test runs:
/// the client follows the challenge's realm, sends the stored login there, and reuses the token until it expires.
/// </summary>
public sealed class TokenAuthTests(TokenAuthRegistry fixture) : IClassFixture<TokenAuthRegistry>
{
    private static readonly DateTimeOffset T0 = new(2026, 5, 1, 6, 0, 0, TimeSpan.Zero);

    private RegistryProcess Registry => fixture.Registry;

    private async Task<(string Repo, Pushed V1, Pushed V2)> PushAsync()
    {
        var repo = $"team/app-{Guid.NewGuid():N}"[..20];
        var token = fixture.Tokens.TokenFor($"repository:{repo}:pull,push");
        using var push = new RegistryPush(Registry.BaseUri, new AuthenticationHeaderValue("Bearer", token));
        return (repo, await push.ImageAsync(repo, "v1", T0), await push.ImageAsync(repo, "v2", T0.AddMinutes(5)));
    }

    [Fact]
    public async Task ListTags_StoredLogin_ListsThroughTheTokenServerAndReusesTheToken()
    {
        var (repo, v1, v2) = await PushAsync();
        using var client = new RegistryClient(host => host == Registry.Host ? new RegistryLogin(TokenAuthRegistry.Username, TokenAuthRegistry.Password) : null);
        var before = fixture.Tokens.Issued;

        var first = await client.ListTagsAsync($"{Registry.Host}/{repo}");
        var second = await client.ListTagsAsync($"{Registry.Host}/{repo}");

        Assert.True(first.TryGetValue(out var list, out var error), error?.Message);
        Assert.Equal([("v2", v2.Digest, T0.AddMinutes(5)), ("v1", v1.Digest, T0)], list.Tags.Select(t => (t.Tag, t.Digest, t.Created!.Value)));
        Assert.True(second.IsSuccess, second.Error?.Message);
        Assert.Equal(1, fixture.Tokens.Issued - before);
    }

    [Fact]
    public async Task ListTags_WrongPassword_SaysTheLoginWasRefused()
    {
        var (repo, _, _) = await PushAsync();
        using var client = new RegistryClient(_ => new RegistryLogin(TokenAuthRegistry.Username, "wrong"));

        var listed = await client.ListTagsAsync($"{Registry.Host}/{repo}");

        Assert.False(listed.IsSuccess);
        Assert.Equal(RegistryErrorKind.CredentialsRefused, listed.Error.Kind);
    }

    [Fact]
    public async Task ListTags_NoLogin_SaysHowToStoreOne()
    {
        var (repo, _, _) = await PushAsync();
        using var client = new RegistryClient(_ => null);

        var listed = await client.ListTagsAsync($"{Registry.Host}/{repo}");

        Assert.False(listed.IsSuccess);
        Assert.Equal(RegistryErrorKind.NeedsLogin, listed.Error.Kind);
    }

    [Fact]
    public async Task CheckLogin_RightAndWrongPassword_AcceptedAndRefused()
    {
        using var client = new RegistryClient(_ => null);

        var right = await client.CheckLoginAsync(Registry.Host, new RegistryLogin(TokenAuthRegistry.Username, TokenAuthRegistry.Password));
        var wrong = await client.CheckLoginAsync(Registry.Host, new RegistryLogin(TokenAuthRegistry.Username, "nope"));

        Assert.True(right.TryGetValue(out var verified, out var error), error?.Message);
        Assert.True(verified);
        Assert.False(wrong.IsSuccess);
        Assert.Equal(RegistryErrorKind.CredentialsRefused, wrong.Error.Kind);
    }
}
