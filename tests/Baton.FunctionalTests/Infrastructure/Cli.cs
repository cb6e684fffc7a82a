using System.Diagnostics;

namespace Baton.FunctionalTests.Infrastructure;

public sealed record CliResult(int ExitCode, string Stdout, string Stderr)
{
    public override string ToString() => $"exit {ExitCode}\nstdout: {Stdout}\nstderr: {Stderr}";
}

/// <summary>Runs the real <c>baton</c> CLI (<c>dotnet baton.dll</c> from the test output) as a process.</summary>
public static class BatonCli
{
    public static string Dotnet =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet";

    public static Task<CliResult> RunAsync(RouterHost router, params string[] args) =>
        RunAsync(new Dictionary<string, string?> { ["BATON_URL"] = router.AdminUri.ToString(), ["BATON_TOKEN"] = router.Token }, args);

    /// <param name="stdin">Written to the CLI's stdin, then closed (for <c>--password-stdin</c>); null leaves stdin alone.</param>
    public static async Task<CliResult> RunAsync(IReadOnlyDictionary<string, string?> env, string[] args, TimeSpan? timeout = null, string? stdin = null)
    {
        var work = Directory.CreateTempSubdirectory("baton-ft-cli-").FullName;
        var psi = new ProcessStartInfo(Dotnet)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = stdin is not null,
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
        if (stdin is not null)
        {
            await process.StandardInput.WriteAsync(stdin);
            process.StandardInput.Close();
        }
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

    /// <summary>Starts the CLI and returns while it runs, so a test can act on a line of its progress.</summary>
    public static RunningCli Start(IReadOnlyDictionary<string, string?> env, params string[] args)
    {
        var psi = new ProcessStartInfo(Dotnet)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetTempPath(),
        };
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "baton.dll"));
        foreach (var a in args) psi.ArgumentList.Add(a);
        foreach (var name in new[] { "BATON_URL", "BATON_TOKEN", "BATON_DATA" }) psi.Environment.Remove(name);
        foreach (var (k, v) in env) psi.Environment[k] = v;
        return new RunningCli(Process.Start(psi)!, string.Join(' ', args));
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

/// <summary>A CLI process still running; its output is collected line by line as it comes.</summary>
public sealed class RunningCli : IDisposable
{
    private readonly Process _process;
    private readonly string _command;
    private readonly System.Text.StringBuilder _stdout = new(), _stderr = new();

    internal RunningCli(Process process, string command)
    {
        _process = process;
        _command = command;
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (_stdout) _stdout.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (_stdout) _stderr.AppendLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public string Stdout
    {
        get { lock (_stdout) return _stdout.ToString(); }
    }

    /// <summary>Waits until stdout shows <paramref name="text"/>; fails the test if the CLI exits or the time runs out first.</summary>
    public async Task WaitForOutputAsync(string text, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!Stdout.Contains(text, StringComparison.Ordinal))
        {
            if (_process.HasExited && !Stdout.Contains(text, StringComparison.Ordinal)) Assert.Fail($"baton {_command} exited before printing '{text}': {await EndAsync(TimeSpan.FromSeconds(1))}");
            if (DateTime.UtcNow > deadline) Assert.Fail($"baton {_command} did not print '{text}' within {timeout}: {Stdout}");
            await Task.Delay(20);
        }
    }

    public async Task<CliResult> EndAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            _process.Kill(entireProcessTree: true);
            throw new TimeoutException($"baton {_command} did not exit: {Stdout}");
        }
        string stderr;
        lock (_stdout) stderr = _stderr.ToString();
        return new CliResult(_process.ExitCode, Stdout, stderr);
    }

    public void Dispose()
    {
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        _process.Dispose();
    }
}
