using Baton.Contracts;

namespace Baton.FunctionalTests.Infrastructure;

/// <summary>
/// A router with its h2c and TLS (h1 and h2) listeners in front of a <see cref="RawBackend"/> that
/// records every byte it receives: service <c>raw</c> on host <c>raw.test</c>, 2 s target timeout.
/// </summary>
public sealed class EdgeFixture : IAsyncLifetime
{
    public const string Host = "raw.test";
    public const string Service = "raw";
    private string _certDir = null!;

    public RouterHost Router { get; private set; } = null!;
    public RawBackend Backend { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        _certDir = Directory.CreateTempSubdirectory("baton-ft-cert-").FullName;
        var certificate = TestCertificate.Create(_certDir);
        Router = await RouterHost.StartAsync(configure: o => o with
        {
            ListenH2c = "127.0.0.1:0",
            ListenTls = "127.0.0.1:0",
            TlsCertificate = certificate.CertificateFile,
            TlsKey = certificate.KeyFile,
        });
        Backend = new RawBackend();
        await Router.DeployOkAsync(Service, new DeployRequest
        {
            Targets = [Backend.Address],
            Hosts = [Host],
            Health = new HealthCheckSpec { Interval = "100ms", Passes = 1 },
            TargetTimeout = "2s",
        });
    }

    public async Task DisposeAsync()
    {
        await Router.DisposeAsync();
        await Backend.DisposeAsync();
        Directory.Delete(_certDir, recursive: true);
    }
}
