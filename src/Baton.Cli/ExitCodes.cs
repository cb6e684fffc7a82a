namespace Baton.Cli;

/// <summary>Every exit code of <c>baton</c>, in one place.</summary>
internal static class ExitCodes
{
    public const int Success = 0;
    /// <summary>The operation ran and failed (for instance a deploy whose targets never got healthy).</summary>
    public const int Failed = 1;
    /// <summary>Bad input: the server (or the CLI) refused the request and changed nothing.</summary>
    public const int BadInput = 2;
    public const int Unauthorized = 3;
    public const int Unreachable = 4;
    public const int NotFound = 5;
    /// <summary>Refused because of the current state, such as a deployment already running.</summary>
    public const int Conflict = 6;
    /// <summary>Stopped by the user (Ctrl+C, SIGINT) or by SIGTERM, as a shell reports a program ended by SIGINT.</summary>
    public const int Interrupted = 130;
}
