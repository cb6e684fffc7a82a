namespace Baton.Deploy;

/// <summary>
/// Event ids of the deployer's log lines, kept in one place. Ranges: router 1000–1999
/// (Baton.Router), deployer 2000–2999 (here), server 3000–3999 (Baton.Server).
/// </summary>
internal static class LogEvents
{
    public const int DeployFailed = 2001;
    public const int DeployUnexpected = 2002;
    public const int Recovered = 2003;
    public const int RecoveryFailed = 2004;
    public const int OrphanRemoved = 2005;
    public const int OrphanSweepSkipped = 2006;
    public const int ServerDrained = 2007;
}
