using System.CommandLine;
using System.CommandLine.Invocation;
using System.Reflection;

namespace Baton.Cli;

/// <summary>
/// What <c>baton --version</c> prints: the version and the git commit the binary was built from.
/// The SDK embeds both in the informational version (<c>0.1.0+COMMIT</c>: its SourceRevisionId,
/// taken from git at build time, by <c>./baton</c> and by <c>scripts/package.sh</c> alike).
/// </summary>
internal static class BuildInfo
{
    /// <summary>The informational version as built: <c>VERSION+COMMIT</c>, or <c>VERSION</c> when built outside git.</summary>
    public static string Informational { get; } =
        typeof(BuildInfo).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0";

    /// <summary>The version alone, e.g. <c>0.1.0</c>.</summary>
    public static string Version => Informational.Split('+')[0];

    /// <summary>The commit, shortened to 12 hex digits as <c>git rev-parse --short=12</c> gives it; null when built outside git.</summary>
    public static string? Commit => Informational.Split('+') is [_, var commit, ..] && commit.Length > 0 ? commit[..Math.Min(12, commit.Length)] : null;

    /// <summary>The line <c>baton --version</c> prints: <c>baton 0.1.0 (commit 0123456789ab)</c>.</summary>
    public static string Line => $"baton {Version} ({(Commit is null ? "commit unknown: built outside git" : $"commit {Commit}")})";

    /// <summary>Makes the root command's <c>--version</c> print <see cref="Line"/>.</summary>
    public static void Use(RootCommand root)
    {
        foreach (var option in root.Options.OfType<VersionOption>()) option.Action = new PrintLine();
    }

    private sealed class PrintLine : SynchronousCommandLineAction
    {
        public override int Invoke(ParseResult parseResult)
        {
            Output.Line(Line);
            return ExitCodes.Success;
        }
    }
}
