using System.Diagnostics;

namespace Baton.FunctionalTests.Infrastructure;

/// <summary>
/// The sample app's images, built offline by scripts/build-sample-image.sh. Their repository
/// names a registry on loopback, so a pull of a missing tag never leaves the machine.
/// </summary>
public static class SampleImages
{
    public const string Repository = "127.0.0.1:5000/baton-sample";

    /// <summary>The tags the deploy tests use; each image's /version answers its tag.</summary>
    public static readonly string[] Tags = ["v1", "v2", "v3"];

    private static readonly Lazy<Task> Ensured = new(EnsureOnceAsync);

    public static string Image(string tag) => $"{Repository}:{tag}";

    /// <summary>Builds the images unless they are all on the engine already (so `dotnet test` alone works).</summary>
    public static Task EnsureAsync() => Ensured.Value;

    private static async Task EnsureOnceAsync()
    {
        var inspect = await RunAsync("docker", ["image", "inspect", "--format", "{{.Id}}", .. Tags.Select(Image)], TimeSpan.FromSeconds(30));
        if (inspect.ExitCode == 0) return;
        var script = Path.Combine(RepositoryRoot(), "scripts", "build-sample-image.sh");
        var built = await RunAsync("bash", [script, Repository, .. Tags], TimeSpan.FromMinutes(5));
        if (built.ExitCode != 0) throw new InvalidOperationException($"Building the sample images failed: {built}");
    }

    public static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Baton.slnx"))) return dir.FullName;
        throw new InvalidOperationException("Baton.slnx not found above the test output directory.");
    }

    /// <summary>Runs a tool (docker, bash) to its end.</summary>
    public static async Task<CliResult> RunAsync(string file, IEnumerable<string> args, TimeSpan timeout)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var process = Process.Start(psi)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} {string.Join(' ', args)} did not finish within {timeout}.");
        }
        return new CliResult(process.ExitCode, await stdout, await stderr);
    }
}
