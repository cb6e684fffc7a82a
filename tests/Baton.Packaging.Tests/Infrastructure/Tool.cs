using System.Diagnostics;

namespace Baton.Packaging.Tests.Infrastructure;

public sealed record ToolResult(int ExitCode, string Stdout, string Stderr)
{
    public override string ToString() => $"exit {ExitCode}\nstdout: {Stdout}\nstderr: {Stderr}";
}

/// <summary>Runs a program (bash, docker, the packaged baton) to its end.</summary>
public static class Tool
{
    /// <param name="env">Variables to set; a null value removes the variable.</param>
    /// <param name="clearEnvironment">Start from an empty environment (then only <paramref name="env"/>).</param>
    public static async Task<ToolResult> RunAsync(string file, IEnumerable<string> args, TimeSpan timeout,
        IReadOnlyDictionary<string, string?>? env = null, string? workingDirectory = null, bool clearEnvironment = false)
    {
        using var process = Process.Start(StartInfo(file, args, env, workingDirectory, clearEnvironment))!;
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
            throw new TimeoutException($"{file} {string.Join(' ', args)} did not finish within {timeout}: {await stdout} {await stderr}");
        }
        return new ToolResult(process.ExitCode, await stdout, await stderr);
    }

    public static ProcessStartInfo StartInfo(string file, IEnumerable<string> args, IReadOnlyDictionary<string, string?>? env, string? workingDirectory, bool clearEnvironment)
    {
        var psi = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Path.GetTempPath(),
        };
        foreach (var a in args) psi.ArgumentList.Add(a);
        if (clearEnvironment) psi.Environment.Clear();
        foreach (var (k, v) in env ?? new Dictionary<string, string?>())
        {
            if (v is null) psi.Environment.Remove(k);
            else psi.Environment[k] = v;
        }
        return psi;
    }
}
