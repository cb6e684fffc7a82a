namespace Baton.Server;

/// <summary>Event ids of the server's log lines (3000–3999; see Baton.Router and Baton.Deploy for theirs).</summary>
internal static class LogEvents
{
    public const int DockerConnected = 3001;
    public const int FileModeTightened = 3002;
    public const int RoutersSwitched = 3010;
    public const int RouterCallFailed = 3011;
    public const int RoutersSwitchedBack = 3012;
    public const int AppServerNote = 3020;
}
