namespace Baton.FunctionalTests.Infrastructure;

/// <summary>
/// One router (HTTP/1.1, h2c and TLS listeners) serving one service <c>web</c> on any host from one
/// backend <c>v1</c>; shared by the tests of a class that only send traffic.
/// </summary>
public sealed class SingleServiceFixture : IAsyncLifetime
{
    private string _certDir = null!;

    public RouterHost Router { get; private set; } = null!;
    public Backend Backend { get; private set; } = null!;
    public TestCertificate Certificate { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        _certDir = Directory.CreateTempSubdirectory("baton-ft-cert-").FullName;
        Certificate = TestCertificate.Create(_certDir);
        Router = await RouterHost.StartAsync(configure: o => o with
        {
            ListenH2c = "127.0.0.1:0",
            ListenTls = "127.0.0.1:0",
            TlsCertificate = Certificate.CertificateFile,
            TlsKey = Certificate.KeyFile,
        });
        Backend = await Backend.StartAsync("v1");
        await Router.DeployOkAsync("web", Backend);
    }

    public async Task DisposeAsync()
    {
        await Router.DisposeAsync();
        await Backend.DisposeAsync();
        Directory.Delete(_certDir, recursive: true);
    }
}
