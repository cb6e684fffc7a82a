using System.Diagnostics;

namespace Baton.FunctionalTests.Infrastructure;

public sealed record CliResult(int ExitCode, string Stdout, string Stderr)
{
    public override string ToString() => $"exit {ExitCode}\nstdout: {Stdout}\nstderr: {Stderr}";
}

/// <summary>Runs the real <c>baton</c> CLI (<c>dotnet baton.dll</c> from the test output) as a process.</summary>
public static class BatonCli
{
    private static string Dotnet =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet";

    public static Task<CliResult> RunAsync(RouterHost router, params string[] args) =>
        RunAsync(new Dictionary<string, string?> { ["BATON_URL"] = router.AdminUri.ToString(), ["BATON_TOKEN"] = router.Token }, args);

    public static async Task<CliResult> RunAsync(IReadOnlyDictionary<string, string?> env, string[] args, TimeSpan? timeout = null)
    {
        var work = Directory.CreateTempSubdirectory("baton-ft-cli-").FullName;
        var psi = new ProcessStartInfo(Dotnet)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = work,
        };
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "baton.dll"));
        foreach (var a in args) psi.ArgumentList.Add(a);
        // Nothing from the machine running the tests may leak in.
        foreach (var name in new[] { "BATON_URL", "BATON_TOKEN", "BATON_DATA" }) psi.Environment.Remove(name);
        psi.Environment["BATON_DATA"] = Path.Combine(work, ".baton");
        foreach (var (k, v) in env) psi.Environment[k] = v;

        using var process = Process.Start(psi)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"baton {string.Join(' ', args)} did not exit: {await stdout} {await stderr}");
        }
        finally
        {
            try
            {
                Directory.Delete(work, recursive: true);
            }
            catch (IOException)
            {
            }
        }
        return new CliResult(process.ExitCode, await stdout, await stderr);
    }

    /// <summary>Stderr holds one sentence for a person: one line, no exception or stack trace.</summary>
    public static void AssertOneSentence(CliResult result)
    {
        var lines = result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.True(lines.Length == 1, $"expected one line on stderr:\n{result}");
        Assert.Matches(@"[.)]$", lines[0]);
        Assert.DoesNotContain("Exception", result.Stderr + result.Stdout);
        Assert.DoesNotContain("   at ", result.Stderr + result.Stdout);
    }
}
