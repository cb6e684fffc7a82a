namespace Baton.Router;

/// <summary>Event ids of every log line the router writes, kept in one place (1000–1999; the deployer uses 2000–2999, the server 3000–3999).</summary>
internal static class LogEvents
{
    public const int TargetHealthy = 1001;
    public const int TargetUnhealthy = 1002;
    public const int TargetEjected = 1003;
    public const int ForwardFailed = 1101;
    public const int RequestLogWriteFailed = 1102;
    public const int StateSaved = 1201;
    public const int StateLoaded = 1202;
    public const int StateLoadFailed = 1203;
    public const int DeployStep = 1301;
    public const int DeployFailed = 1302;
    public const int DrainDone = 1303;
}
