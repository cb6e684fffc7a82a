using System.Diagnostics;
using System.Text.RegularExpressions;
using Baton.Registry.Auth;
using Baton.Registry.Tests.Infrastructure;

namespace Baton.Registry.Tests;

/// <summary>Tags of a real anonymous registry: what was pushed, in the order a user wants, with the digests the pushes returned.</summary>
public sealed class AnonymousRegistryTests(AnonymousRegistry fixture) : IClassFixture<AnonymousRegistry>
{
    private static readonly DateTimeOffset T0 = new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero).AddTicks(1234567);

    private RegistryProcess Registry => fixture.Registry;

    private static RegistryClient Client() => new(_ => null);

    private static string Repo(string name) => $"{name}-{Guid.NewGuid():N}"[..20];

    [Fact]
    public async Task ListTags_PushedImages_NewestFirstWithPushDigestsAndCreationTimes()
    {
        var repo = Repo("shop");
        using var push = new RegistryPush(Registry.BaseUri);
        var v1 = await push.ImageAsync(repo, "v1", T0);
        var v3 = await push.ImageAsync(repo, "v3", T0.AddHours(2));
        var v2 = await push.ImageAsync(repo, "v2", T0.AddHours(1));
        using var client = Client();

        var listed = await client.ListTagsAsync($"{Registry.Host}/{repo}");

        Assert.True(listed.TryGetValue(out var list, out var error), error?.Message);
        Assert.Equal(["v3", "v2", "v1"], list.Tags.Select(t => t.Tag));
        Assert.Equal([v3.Digest, v2.Digest, v1.Digest], list.Tags.Select(t => t.Digest));
        Assert.Equal([T0.AddHours(2), T0.AddHours(1), T0], list.Tags.Select(t => t.Created!.Value));
        Assert.Equal(Registry.Host, list.Image.Host);
        Assert.Equal(repo, list.Image.Repository);
    }

    [Fact]
    public async Task ListTags_OciIndex_IndexDigestAndCreationTimeOfItsPlatform()
    {
        var repo = Repo("multi");
        using var push = new RegistryPush(Registry.BaseUri);
        var image = await push.ImageAsync(repo, "amd64", T0);
        var index = await push.IndexAsync(repo, "v1", image);
        using var client = Client();

        var listed = await client.ListTagsAsync($"{Registry.Host}/{repo}:ignored-tag");

        Assert.True(listed.TryGetValue(out var list, out var error), error?.Message);
        var v1 = Assert.Single(list.Tags, t => t.Tag == "v1");
        Assert.Equal(index.Digest, v1.Digest);
        Assert.NotEqual(image.Digest, v1.Digest);
        Assert.Equal(T0, v1.Created);
    }

    [Fact]
    public async Task ListTags_UnknownRepository_SaysTheRegistryDoesNotKnowIt()
    {
        using var client = Client();

        var listed = await client.ListTagsAsync($"{Registry.Host}/never-pushed");

        Assert.False(listed.IsSuccess);
        Assert.Equal(RegistryErrorKind.RepositoryUnknown, listed.Error.Kind);
        Assert.Contains("does not know the repository never-pushed", listed.Error.Message);
    }

    [Fact]
    public async Task ListTags_NothingListening_SaysItCannotBeReached()
    {
        using var client = Client();
        var port = RegistryProcess.FreePort();

        var listed = await client.ListTagsAsync($"127.0.0.1:{port}/shop");

        Assert.False(listed.IsSuccess);
        Assert.Equal(RegistryErrorKind.Unreachable, listed.Error.Kind);
        Assert.Contains("cannot be reached", listed.Error.Message);
    }

    [Fact]
    public async Task CheckLogin_RegistryWithoutAuth_AcceptsWithoutChecking()
    {
        using var client = Client();

        var checkedLogin = await client.CheckLoginAsync(Registry.Host, new RegistryLogin("anyone", "anything"));

        Assert.True(checkedLogin.TryGetValue(out var verified, out var error), error?.Message);
        Assert.False(verified);
    }

    /// <summary>A real <c>docker push</c> of the sample image: Baton shows the digest Docker printed.</summary>
    [Fact]
    public async Task ListTags_DockerPushOfSampleImage_DigestIsWhatDockerPrinted()
    {
        const string sample = "127.0.0.1:5000/baton-sample:v1";
        var (inspected, _) = await DockerAsync("image", "inspect", "--format", "{{.Id}}", sample);
        Assert.True(inspected == 0, $"The sample image {sample} is missing; ./test.sh builds it (scripts/build-sample-image.sh).");
        var repo = Repo("sample");
        var target = $"{Registry.Host}/{repo}:v1";
        Assert.Equal(0, (await DockerAsync("tag", sample, target)).ExitCode);
        try
        {
            var (code, output) = await DockerAsync("push", target);
            Assert.True(code == 0, output);
            var printed = Regex.Match(output, @"digest: (sha256:[0-9a-f]{64})").Groups[1].Value;
            using var client = Client();

            var listed = await client.ListTagsAsync($"{Registry.Host}/{repo}");

            Assert.True(listed.TryGetValue(out var list, out var error), error?.Message);
            var v1 = Assert.Single(list.Tags);
            Assert.Equal(printed, v1.Digest);
            Assert.NotNull(v1.Created);
            var (_, created) = await DockerAsync("image", "inspect", "--format", "{{.Created}}", sample);
            // Docker prints RFC 3339 with nanoseconds; whole seconds are enough to know it is the same time.
            var seconds = DateTimeOffset.ParseExact(created.Trim()[..19], "yyyy-MM-ddTHH:mm:ss", System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal);
            Assert.Equal(seconds.ToUnixTimeSeconds(), v1.Created!.Value.ToUnixTimeSeconds());
        }
        finally
        {
            await DockerAsync("rmi", target);
        }
    }

    private static async Task<(int ExitCode, string Output)> DockerAsync(params string[] args)
    {
        var psi = new ProcessStartInfo("docker") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var process = Process.Start(psi)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await process.WaitForExitAsync(cts.Token);
        return (process.ExitCode, await stdout + await stderr);
    }
}
