using System.Diagnostics;
using System.Text;

namespace Baton.Hosts.Tests.Infrastructure;

/// <summary>What a command printed and how it ended.</summary>
public sealed record ShellResult(int ExitCode, string Output, string Error)
{
    public bool Succeeded => ExitCode == 0;

    /// <summary>Throws with the command's output when it failed.</summary>
    public ShellResult ThrowIfFailed(string what)
    {
        if (ExitCode != 0)
            throw new InvalidOperationException($"{what} failed (exit {ExitCode}): {Error.Trim()} {Output.Trim()}".Trim());
        return this;
    }
}

/// <summary>
/// Runs scripts/hosts-lib.sh's functions (the one source of truth for test hosts) and other commands.
/// Every lab this process makes is owned by it (BT_LAB_OWNER), so lab_reap elsewhere leaves it alone
/// while this process runs, and removes it if this process dies before disposing it.
/// </summary>
public static class LabShell
{
    private static readonly Lazy<string> Root = new(FindRepositoryRoot);

    /// <summary>The repository's root folder (the one holding scripts/hosts-lib.sh).</summary>
    public static string RepositoryRoot => Root.Value;

    public static string LibraryPath => Path.Combine(RepositoryRoot, "scripts", "hosts-lib.sh");

    /// <summary>Runs one function of hosts-lib.sh with its arguments.</summary>
    public static Task<ShellResult> LibAsync(string function, IEnumerable<string> arguments, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        // bash -c 'source LIB; "$@"' LIB FUNCTION ARGS...: no argument is ever parsed by a shell.
        var argv = new List<string> { "-c", "set -euo pipefail; source \"$0\"; \"$@\"", LibraryPath, function };
        argv.AddRange(arguments);
        return RunAsync("bash", argv, timeout ?? TimeSpan.FromMinutes(2), cancellationToken);
    }

    public static Task<ShellResult> LibAsync(string function, params string[] arguments) => LibAsync(function, arguments, null);

    /// <summary>Runs a program (no shell) and collects its output; killed (with its children) after <paramref name="timeout"/>.</summary>
    public static async Task<ShellResult> RunAsync(
        string program, IEnumerable<string> arguments, TimeSpan timeout, CancellationToken cancellationToken = default, string? standardInput = null)
    {
        var start = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        start.Environment["BT_LAB_OWNER"] = Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture);
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {program}.");
        var output = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
        var error = process.StandardError.ReadToEndAsync(CancellationToken.None);
        if (standardInput is not null) await process.StandardInput.WriteAsync(standardInput);
        process.StandardInput.Close();
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            try { process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
            await process.WaitForExitAsync(CancellationToken.None);
            var partial = new StringBuilder().Append(await error).Append(await output).ToString();
            throw new TimeoutException($"{program} {string.Join(' ', start.ArgumentList)} did not end within {timeout.TotalSeconds:0} s: {partial.Trim()}");
        }
        return new ShellResult(process.ExitCode, await output, await error);
    }

    private static string FindRepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "scripts", "hosts-lib.sh"))) return dir.FullName;
        }
        throw new InvalidOperationException($"scripts/hosts-lib.sh was not found above {AppContext.BaseDirectory}.");
    }
}
