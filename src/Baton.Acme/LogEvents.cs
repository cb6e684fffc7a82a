namespace Baton.Acme;

/// <summary>
/// Event ids of the certificate log lines, kept in one place. Ranges: router 1000–1999,
/// deployer 2000–2999, server 3000–3999, ACME 4000–4099 (here).
/// </summary>
internal static class LogEvents
{
    public const int CertificateIssued = 4001;
    public const int CertificateFailed = 4002;
    public const int CertificateLoaded = 4003;
    public const int CertificateUnreadable = 4004;
}
