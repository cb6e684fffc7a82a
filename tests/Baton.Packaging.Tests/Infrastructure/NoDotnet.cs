namespace Baton.Packaging.Tests.Infrastructure;

/// <summary>
/// Runs a program where no .NET is installed, as far as it can tell: a private mount namespace
/// with an empty tmpfs over /usr/share/dotnet (where the SDK and its runtimes live, and where
/// /usr/bin/dotnet points), an environment of PATH=/usr/bin:/bin and HOME alone (no DOTNET_ROOT).
/// A framework-dependent program fails to start there; a self-contained one runs.
/// </summary>
public static class NoDotnet
{
    public const string DotnetFolder = "/usr/share/dotnet";

    /// <summary>The command line that runs <paramref name="program"/> with .NET hidden.</summary>
    public static (string File, string[] Args) Command(string program, params string[] args) =>
        ("/usr/bin/unshare", ["--mount", "--propagation", "private", "/bin/sh", "-c",
            $"mount -t tmpfs -o size=1m baton-no-dotnet {DotnetFolder} && exec \"$0\" \"$@\"", program, .. args]);

    /// <summary>Nothing but PATH=/usr/bin:/bin and HOME: no DOTNET_ROOT, no variable of the test host.</summary>
    public static Dictionary<string, string?> Environment(string home) => new() { ["PATH"] = "/usr/bin:/bin", ["HOME"] = home };

    public static Task<ToolResult> RunAsync(string home, string program, params string[] args)
    {
        var (file, all) = Command(program, args);
        return Tool.RunAsync(file, all, TimeSpan.FromMinutes(1), Environment(home), home, clearEnvironment: true);
    }

    public static RunningProgram Start(string home, string program, params string[] args)
    {
        var (file, all) = Command(program, args);
        return RunningProgram.Start(file, all, Environment(home), home, clearEnvironment: true);
    }
}
