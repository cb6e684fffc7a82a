using System.Net;
using System.Security.Cryptography;
using Baton.Acme.Issuance;
using Baton.Acme.Renewal;
using Baton.Acme.Storage;
using Baton.Acme.Tests.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using static Baton.Acme.Tests.Testing.ScriptedAcmeServer;

namespace Baton.Acme.Tests.Renewal;

public sealed class CertificateManagerTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("baton-acme-manager-").FullName;

    [Fact]
    public async Task RenewDue_FailingAgain_PauseDoublesUpToTheCap_NoCallBeforeItsTime()
    {
        var server = new ScriptedAcmeServer()
            .On("/account", () => Json(HttpStatusCode.Created, """{"status":"valid"}""", location: "https://acme.test/acct/1"))
            .On("/order", () => Problem("rateLimited", "too many orders"));
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var clock = new InstantClock();
        using var client = new AcmeClient(DirectoryUrl, key, server, time: clock);
        var store = new CertificateStore(Path.Combine(_folder, "certificates"));
        var options = new CertificateOptions { Directory = DirectoryUrl, FirstRetry = TimeSpan.FromMinutes(1), MaxRetry = TimeSpan.FromMinutes(3) };
        using var manager = new CertificateManager(options, store, new AcmeIssuer(client, new ChallengeResponses(), null), clock, NullLogger.Instance);
        manager.Want(["app.test"]);
        int Orders() => server.Posts.Count(p => p.Path == "/order");

        var pauses = new List<TimeSpan>();
        for (int i = 0; i < 4; i++)
        {
            var next = await manager.RenewDueAsync(CancellationToken.None);
            Assert.Equal(i + 1, Orders());
            pauses.Add(next - clock.GetUtcNow());
            // Before its time nothing is sent.
            clock.Advance(next - clock.GetUtcNow() - TimeSpan.FromSeconds(1));
            await manager.RenewDueAsync(CancellationToken.None);
            Assert.Equal(i + 1, Orders());
            clock.Advance(TimeSpan.FromSeconds(1));
        }

        Assert.Equal([TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(2), TimeSpan.FromMinutes(3), TimeSpan.FromMinutes(3)], pauses);
        Assert.Equal("Cannot order a certificate for app.test: the ACME server at https://acme.test/dir refused it (rateLimited: too many orders).", manager.LastError("app.test"));
        Assert.Null(manager.Select("app.test"));
        Assert.Empty(store.Files());
    }

    [Fact]
    public void Want_StoredCertificate_ServedAtOnce_BeforeAnyPassOfTheLoop()
    {
        // A new router process (a restart) must present the stored certificate from its first handshake.
        var store = new CertificateStore(Path.Combine(_folder, "certificates"));
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new System.Security.Cryptography.X509Certificates.CertificateRequest("CN=app.test", key, HashAlgorithmName.SHA256);
        using var stored = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(60));
        store.Save("app.test", new IssuedCertificate(stored.ExportCertificatePem() + "\n", key.ExportPkcs8PrivateKeyPem() + "\n"));
        using var client = new AcmeClient(DirectoryUrl, key, new ScriptedAcmeServer(), time: new InstantClock());
        using var manager = new CertificateManager(new CertificateOptions { Directory = DirectoryUrl }, store, new AcmeIssuer(client, new ChallengeResponses(), null), new InstantClock(), NullLogger.Instance);

        manager.Want(["app.test"]);

        Assert.NotNull(manager.Select("app.test"));
        Assert.Equal(stored.Thumbprint, manager.Current("app.test")!.Thumbprint);
        Assert.Null(manager.Select("other.test"));
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);
}
