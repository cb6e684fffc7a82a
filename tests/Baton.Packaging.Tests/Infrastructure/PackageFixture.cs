namespace Baton.Packaging.Tests.Infrastructure;

/// <summary>
/// The packages, built once per test run by <c>scripts/package.sh</c> (the single file, its
/// tarball and the image <c>baton:VERSION</c>) into a folder of its own: a single-file publish
/// takes minutes on two cores, so every test of the collection shares them.
/// </summary>
public sealed class PackageFixture : IAsyncLifetime
{
    private readonly string _folder = Directory.CreateTempSubdirectory("baton-package-").FullName;

    public static string RepositoryRoot { get; } = FindRoot();

    public string Dist => Path.Combine(_folder, "dist");

    /// <summary>The single-file binary for linux-x64.</summary>
    public string Binary => Path.Combine(Dist, "baton");

    /// <summary>The version the binary reports, e.g. <c>0.1.0</c>.</summary>
    public string Version { get; private set; } = "";

    /// <summary>The commit it was built from, as <c>git rev-parse --short=12 HEAD</c> gives it.</summary>
    public string Commit { get; private set; } = "";

    public string Image => $"baton:{Version}";

    public string Tarball => Path.Combine(Dist, $"baton-{Version}-linux-x64.tar.gz");

    /// <summary>What scripts/package.sh printed (its sizes, for the logs).</summary>
    public string Log { get; private set; } = "";

    public async Task InitializeAsync()
    {
        var commit = await Tool.RunAsync("git", ["-C", RepositoryRoot, "rev-parse", "--short=12", "HEAD"], TimeSpan.FromSeconds(30));
        if (commit.ExitCode != 0) throw new InvalidOperationException($"git rev-parse failed: {commit}");
        Commit = commit.Stdout.Trim();
        var built = await Tool.RunAsync("bash", [Path.Combine(RepositoryRoot, "scripts", "package.sh"), "--out", Dist, "--no-arm64"], TimeSpan.FromMinutes(15));
        Log = built.Stdout + built.Stderr;
        if (built.ExitCode != 0) throw new InvalidOperationException($"scripts/package.sh failed: {built}");
        var line = Log.Split('\n').FirstOrDefault(l => l.Contains("baton ", StringComparison.Ordinal) && l.Contains("(commit ", StringComparison.Ordinal))
            ?? throw new InvalidOperationException($"scripts/package.sh printed no version line: {Log}");
        Version = line.Trim().Split(' ')[1];
    }

    public Task DisposeAsync()
    {
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
        }
        return Task.CompletedTask;
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Baton.slnx"))) return dir.FullName;
        throw new InvalidOperationException("Baton.slnx not found above the test output directory.");
    }
}

[CollectionDefinition(Name)]
public sealed class PackageCollection : ICollectionFixture<PackageFixture>
{
    public const string Name = "Package";
}
