using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Baton.Contracts;
using Baton.FunctionalTests.Deploy;
using Baton.FunctionalTests.Infrastructure;
using Baton.Registry.Tests.Infrastructure;

namespace Baton.FunctionalTests.Registry;

/// <summary>
/// Tags and registry logins through a real <c>baton server</c> and the real CLI, against real
/// <c>docker-registry</c> processes with images the test pushed.
/// </summary>
public sealed class RegistryTests
{
    private const string User = "deployer";
    private const string Password = "Pa55-word-xyz";
    private static readonly DateTimeOffset T0 = new(2026, 6, 1, 9, 0, 0, TimeSpan.Zero);

    private static string Repo() => $"shop-{Guid.NewGuid():N}"[..16];

    private static string[] Words(string line) => line.Split(' ', StringSplitOptions.RemoveEmptyEntries);

    private static AuthenticationHeaderValue Basic() => new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{User}:{Password}")));

    /// <summary>The app's service file pointed at another image repository.</summary>
    private static Task UseImageAsync(BlueGreenApp app, string image) =>
        app.ApplyOkAsync(app.Yaml().Replace($"image: {SampleImages.Repository}", $"image: {image}", StringComparison.Ordinal));

    [Fact]
    public async Task Tags_PushedImages_ListedNewestFirstWithTheirDigests()
    {
        await using var registry = await RegistryProcess.StartAsync(new RegistryAuth.None());
        var repo = Repo();
        using var push = new RegistryPush(registry.BaseUri);
        var v1 = await push.ImageAsync(repo, "v1", T0);
        var v2 = await push.ImageAsync(repo, "v2", T0.AddDays(1));
        await using var app = await BlueGreenApp.StartAsync();
        await UseImageAsync(app, $"{registry.Host}/{repo}");

        var table = await app.CliAsync("tags", app.Name);
        var json = await app.CliAsync("tags", app.Name, "--json");

        Assert.True(table.ExitCode == 0, table.ToString());
        var lines = table.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Equal(3, lines.Length);
        Assert.Equal(["TAG", "DIGEST", "CREATED"], Words(lines[0]));
        Assert.Equal(["v2", v2.Digest[..19], $"{T0.AddDays(1).ToLocalTime():yyyy-MM-dd}", $"{T0.AddDays(1).ToLocalTime():HH:mm:ss}"], Words(lines[1]));
        Assert.Equal(["v1", v1.Digest[..19], $"{T0.ToLocalTime():yyyy-MM-dd}", $"{T0.ToLocalTime():HH:mm:ss}"], Words(lines[2]));
        Assert.True(json.ExitCode == 0, json.ToString());
        var tags = JsonSerializer.Deserialize(json.Stdout, BatonJson.Default.TagsResponse)!;
        Assert.Equal($"{registry.Host}/{repo}", tags.Repository);
        Assert.Equal([("v2", v2.Digest), ("v1", v1.Digest)], tags.Tags.Select(t => (t.Tag, t.Digest)));
    }

    [Fact]
    public async Task Tags_UnknownServiceOrRepository_OneSentenceAndExitCode()
    {
        await using var registry = await RegistryProcess.StartAsync(new RegistryAuth.None());
        await using var app = await BlueGreenApp.StartAsync();
        await UseImageAsync(app, $"{registry.Host}/never-pushed");

        var unknownService = await app.CliAsync("tags", "no-such-service");
        var unknownRepo = await app.CliAsync("tags", app.Name);
        var (status, body) = await app.ApiAsync(HttpMethod.Get, $"api/services/{app.Name}/tags");

        Assert.Equal(5, unknownService.ExitCode);
        BatonCli.AssertOneSentence(unknownService);
        Assert.Equal(1, unknownRepo.ExitCode);
        BatonCli.AssertOneSentence(unknownRepo);
        Assert.Contains("does not know the repository never-pushed", unknownRepo.Stderr);
        Assert.Equal(502, status);
        Assert.Contains("\"error\"", body);
    }

    [Fact]
    public async Task RegistryLogin_BasicAuthRegistry_CheckedStoredPrivatelyNeverShownAndUsedForTags()
    {
        await using var registry = await RegistryProcess.StartAsync(new RegistryAuth.Basic(User, Password));
        var repo = Repo();
        using var push = new RegistryPush(registry.BaseUri, Basic());
        var v1 = await push.ImageAsync(repo, "v1", T0);
        await using var app = await BlueGreenApp.StartAsync();
        await UseImageAsync(app, $"{registry.Host}/{repo}");
        var file = Path.Combine(app.DataDirectory!, "registries.json");

        // No login yet: the registry wants one.
        var before = await app.CliAsync("tags", app.Name);
        Assert.Equal(1, before.ExitCode);
        Assert.Contains($"baton registry login {registry.Host}", before.Stderr);

        // A wrong password is refused by the registry, and nothing is stored.
        var wrong = await app.CliWithInputAsync("not-the-password\n", "registry", "login", registry.Host, "--username", User, "--password-stdin");
        Assert.Equal(2, wrong.ExitCode);
        BatonCli.AssertOneSentence(wrong);
        Assert.Contains("refused", wrong.Stderr);
        Assert.False(File.Exists(file));

        var login = await app.CliWithInputAsync(Password + "\n", "registry", "login", registry.Host, "--username", User, "--password-stdin");
        Assert.True(login.ExitCode == 0, login.ToString());
        if (!OperatingSystem.IsWindows()) Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));

        var (status, listed) = await app.ApiAsync(HttpMethod.Get, "api/registries");
        Assert.Equal(200, status);
        Assert.Equal($"[{{\"host\":\"{registry.Host}\",\"username\":\"{User}\"}}]", listed);
        var list = await app.CliAsync("registry", "list");
        Assert.Contains(registry.Host, list.Stdout);
        Assert.DoesNotContain(Password, list.Stdout + list.Stderr + login.Stdout + login.Stderr);

        var tags = await app.CliAsync("tags", app.Name, "--json");
        Assert.True(tags.ExitCode == 0, tags.ToString());
        Assert.Equal(v1.Digest, JsonSerializer.Deserialize(tags.Stdout, BatonJson.Default.TagsResponse)!.Tags.Single().Digest);

        var logout = await app.CliAsync("registry", "logout", registry.Host);
        Assert.True(logout.ExitCode == 0, logout.ToString());
        Assert.Equal("[]", (await app.ApiAsync(HttpMethod.Get, "api/registries")).Body);
        Assert.Equal(5, (await app.CliAsync("registry", "logout", registry.Host)).ExitCode);
        Assert.Equal(1, (await app.CliAsync("tags", app.Name)).ExitCode);
    }

    /// <summary>
    /// The sample image is pushed with <c>docker push</c> to an open registry, which then restarts on the
    /// same storage with basic auth (on another port, so the engine has no copy by that name): the deploy
    /// pulls it with the stored login.
    /// </summary>
    [Fact]
    public async Task Deploy_FromBasicAuthRegistry_PullsWithTheStoredLogin()
    {
        await SampleImages.EnsureAsync();
        var storage = Directory.CreateTempSubdirectory("baton-ft-registry-").FullName;
        var repo = Repo();
        string? pulled = null;
        try
        {
            await using (var open = await RegistryProcess.StartAsync(new RegistryAuth.None(), storage))
            {
                var pushed = $"{open.Host}/{repo}:v1";
                Assert.Equal(0, (await SampleImages.RunAsync("docker", ["tag", SampleImages.Image("v1"), pushed], TimeSpan.FromSeconds(30))).ExitCode);
                var push = await SampleImages.RunAsync("docker", ["push", pushed], TimeSpan.FromMinutes(3));
                await SampleImages.RunAsync("docker", ["rmi", pushed], TimeSpan.FromSeconds(30));
                Assert.True(push.ExitCode == 0, push.ToString());
            }
            await using var registry = await RegistryProcess.StartAsync(new RegistryAuth.Basic(User, Password), storage);
            pulled = $"{registry.Host}/{repo}:v1";
            await using var app = await BlueGreenApp.StartAsync();
            await UseImageAsync(app, $"{registry.Host}/{repo}");

            var anonymous = await app.CliAsync("deploy", app.Name, "--image", pulled);
            Assert.True(anonymous.ExitCode != 0, anonymous.ToString());

            var login = await app.CliWithInputAsync(Password, "registry", "login", registry.Host, "--username", User, "--password-stdin");
            Assert.True(login.ExitCode == 0, login.ToString());
            var deployed = await app.CliAsync("deploy", app.Name, "--image", pulled);

            Assert.True(deployed.ExitCode == 0, deployed.ToString());
            Assert.Equal("v1", await app.LiveVersionAsync());
        }
        finally
        {
            if (pulled is not null) await SampleImages.RunAsync("docker", ["rmi", pulled], TimeSpan.FromSeconds(30));
            Directory.Delete(storage, recursive: true);
        }
    }
}
