using Baton.Deploy.ServiceFile;

namespace Baton.Deploy.Tests.ServiceFile;

/// <summary>Values from the applying machine (from_env, from_file, env_file) become secrets before the file is sent; what cannot be read is one sentence.</summary>
public sealed class ServiceFileSecretsTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("baton-secrets-").FullName;
    private readonly Dictionary<string, string> _env = new() { ["SHOP_DB_PASSWORD"] = "s3cret-from-env" };

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private (string? Yaml, string? Error) Resolve(string yaml) =>
        ServiceFileSecrets.Resolve(yaml, "baton.yml", _dir, name => _env.GetValueOrDefault(name));

    private static ServiceDefinition Parsed(string yaml)
    {
        var result = ServiceFileParser.Parse(yaml);
        Assert.True(result.Ok, string.Join("\n", result.Errors));
        return result.Definition!;
    }

    [Fact]
    public void FromEnvFromFileAndEnvFile_BecomeSecrets_AnEnvEntryWinsOverTheFile()
    {
        File.WriteAllText(Path.Combine(_dir, "api-key.txt"), "key-from-file\n");
        File.WriteAllText(Path.Combine(_dir, "shop.env"), "# shop settings\n\nCACHE_URL=redis://cache:6379\nQUOTED=\"a b\"\nMODE=from-file\n");
        var (yaml, error) = Resolve("""
            service: web
            image: 127.0.0.1:5000/shop
            env_file: shop.env
            env:
              MODE: from-env-block
              DB_PASSWORD: { from_env: SHOP_DB_PASSWORD }
              API_KEY: { from_file: api-key.txt }
            """);

        Assert.Null(error);
        var env = Parsed(yaml!).Env.ToDictionary(e => e.Name);
        Assert.Equal(("s3cret-from-env", true), (env["DB_PASSWORD"].Value, env["DB_PASSWORD"].Secret));
        Assert.Equal(("key-from-file", true), (env["API_KEY"].Value, env["API_KEY"].Secret));
        Assert.Equal(("redis://cache:6379", true), (env["CACHE_URL"].Value, env["CACHE_URL"].Secret));
        Assert.Equal("a b", env["QUOTED"].Value);
        Assert.Equal(("from-env-block", false), (env["MODE"].Value, env["MODE"].Secret));
        Assert.DoesNotContain("from_env", yaml);
        Assert.DoesNotContain("env_file", yaml);
    }

    [Fact]
    public void NothingToResolve_TheSameTextGoesOut() =>
        Assert.Equal(("service: web\nimage: shop\n# a comment kept\n", (string?)null), Resolve("service: web\nimage: shop\n# a comment kept\n"));

    [Theory]
    [InlineData("env:\n  DB: { from_env: NOT_SET }", "baton.yml: env.DB: from_env: NOT_SET is not set in this environment; nothing was applied.")]
    [InlineData("env:\n  DB: { from_file: missing.txt }", "baton.yml: env.DB: from_file: cannot read")]
    [InlineData("env_file: missing.env", "baton.yml: env_file: cannot read")]
    [InlineData("env_file: { a: b }", "baton.yml: env_file: give a path, or a list of paths, of KEY=VALUE files.")]
    public void Unreadable_OneSentenceNothingSent(string extra, string expected)
    {
        var (yaml, error) = Resolve($"service: web\nimage: shop\n{extra}\n");
        Assert.Null(yaml);
        Assert.StartsWith(expected, error);
    }

    [Fact]
    public void EnvFileLineThatIsNotKeyValue_NamesFileAndLine()
    {
        File.WriteAllText(Path.Combine(_dir, "bad.env"), "OK=1\nnot a line\n");
        Assert.Equal("baton.yml: env_file: bad.env line 2 is not KEY=VALUE; nothing was applied.", Resolve("service: web\nimage: shop\nenv_file: bad.env\n").Error);
    }

    [Theory]
    [InlineData("env:\n  DB: { from_env: SHOP_DB_PASSWORD }", "env.DB: from_env is read by baton apply on the applying machine")]
    [InlineData("env_file: shop.env", "env_file: env files are read by baton apply on the applying machine")]
    public void UnresolvedAtTheServer_Refused(string extra, string expected)
    {
        var result = ServiceFileParser.Parse($"service: web\nimage: shop\n{extra}\n");
        Assert.False(result.Ok);
        Assert.Contains(result.Errors, e => e.Contains(expected, StringComparison.Ordinal));
    }
}

public sealed class ServiceFileSecretsBoundsTests
{
    /// <summary>The CLI reads the file too: a hostile one (nested 50,000 deep) goes to the server unread, which refuses it, instead of overflowing the CLI's stack.</summary>
    [Fact]
    public void DeeplyNestedFile_LeftUnreadForTheServerToRefuse()
    {
        var deep = "service: web\nimage: shop\nenv: " + new string('[', 50_000) + "\n";
        Assert.Equal((deep, (string?)null), ServiceFileSecrets.Resolve(deep, "baton.yml", "/tmp", _ => null));
    }
}
