using System.Diagnostics;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Baton.Acme.Issuance;
using Baton.Acme.Renewal;
using Baton.Acme.Storage;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit.Abstractions;

namespace Baton.Acme.Tests.Pebble;

/// <summary>The ACME client and the renewal manager against Debian's pebble, validating http-01 for real.</summary>
[Collection("pebble")]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class PebbleIssuanceTests(PebbleFixture fixture, ITestOutputHelper output) : IClassFixture<PebbleFixture>, IDisposable
{
    private readonly string _data = Directory.CreateTempSubdirectory("baton-acme-").FullName;
    private readonly List<IDisposable> _owned = [];

    private (CertificateManager Manager, CertificateStore Store) NewManager(Func<string, CancellationToken, Task>? onPublished = null)
    {
        var pebble = fixture.Pebble;
        var handler = pebble.CreateHandler();
        var key = AccountKeyStore.LoadOrCreate(Path.Combine(_data, "acme"), pebble.DirectoryUrl);
        var client = new AcmeClient(pebble.DirectoryUrl, key, handler, new AcmeClientOptions { PollTimeout = TimeSpan.FromSeconds(30) });
        _owned.AddRange([handler, key, client]);
        var issuer = new AcmeIssuer(client, fixture.Challenges.Responses, "ops@example.com") { OnPublished = onPublished };
        var store = new CertificateStore(Path.Combine(_data, "acme", "certificates"));
        var manager = new CertificateManager(new CertificateOptions { Directory = pebble.DirectoryUrl }, store, issuer, TimeProvider.System, NullLogger.Instance);
        _owned.Add(manager);
        return (manager, store);
    }

    [Fact]
    public async Task RenewDue_NewName_IssuedByPebble_StoredOwnerOnly_Served()
    {
        var (manager, store) = NewManager();
        manager.Want(["app.baton.test"]);
        int before = fixture.Challenges.Requests;

        var watch = Stopwatch.StartNew();
        await manager.RenewDueAsync(CancellationToken.None);
        output.WriteLine($"issued in {watch.Elapsed.TotalSeconds:0.00} s");

        Assert.Null(manager.LastError("app.baton.test"));
        var leaf = manager.Current("app.baton.test");
        Assert.NotNull(leaf);
        Assert.NotNull(manager.Select("app.baton.test"));
        Assert.Null(manager.Select("other.baton.test"));
        // pebble really fetched the answer from our http-01 server.
        Assert.True(fixture.Challenges.Requests > before);
        Assert.Contains("app.baton.test", leaf!.GetNameInfo(X509NameType.DnsName, false));
        await AssertIssuedByPebbleAsync(leaf);
        // One file: key and chain, mode 600, nothing else left behind (no temporary file).
        var file = Assert.Single(store.Files());
        Assert.Equal(store.PathOf("app.baton.test"), file);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Assert.Single(Directory.GetFiles(Path.Combine(_data, "acme"), "account-*.key"))));
        var stored = IssuedCertificate.FromPem(File.ReadAllText(file));
        using var storedLeaf = stored.ToCertificate();
        Assert.Equal(leaf.Thumbprint, storedLeaf.Thumbprint);
        Assert.True(storedLeaf.HasPrivateKey);
    }

    [Theory]
    [InlineData("wrong-answer")]
    [InlineData("points-nowhere")]
    public async Task RenewDue_ChallengeFails_OneSentenceNamingTheName_NothingWritten_RetriedLater(string how)
    {
        var name = $"{how}.baton.test";
        if (how == "wrong-answer") fixture.Challenges.WrongAnswers = true;
        // Nothing listens on 127.0.0.2 at the validation port.
        else fixture.Pebble.Dns.Addresses[name] = IPAddress.Parse("127.0.0.2");
        try
        {
            var (manager, store) = NewManager();
            manager.Want([name]);

            var next = await manager.RenewDueAsync(CancellationToken.None);

            var error = manager.LastError(name);
            output.WriteLine(error);
            Assert.NotNull(error);
            Assert.StartsWith($"The ACME server could not validate {name} with http-01 (", error);
            Assert.Contains(how == "wrong-answer" ? "unauthorized" : "connection", error);
            Assert.Null(manager.Current(name));
            Assert.Empty(store.Files());
            Assert.False(Directory.Exists(store.Directory) && Directory.EnumerateFileSystemEntries(store.Directory).Any());
            Assert.True(fixture.Challenges.Responses.IsEmpty);
            // Backoff: the next try is a minute away, not at once.
            Assert.InRange(next - DateTimeOffset.UtcNow, TimeSpan.FromSeconds(50), TimeSpan.FromSeconds(61));
            await manager.RenewDueAsync(CancellationToken.None);
            Assert.Equal(error, manager.LastError(name));
        }
        finally
        {
            fixture.Challenges.WrongAnswers = false;
            fixture.Pebble.Dns.Addresses.Remove(name);
        }
    }

    [Fact]
    public async Task RenewDue_CertificateWithin30Days_Replaced_OldServedUntilTheNewIsReady()
    {
        const string name = "renew.baton.test";
        var (_, store) = NewManager();
        var old = SelfSigned(name, DateTimeOffset.UtcNow.AddDays(10));
        store.Save(name, old);
        X509Certificate2? servedDuringRenewal = null;
        var (manager, _) = NewManager(onPublished: (_, _) =>
        {
            // The challenge is pending: the renewal is under way.
            servedDuringRenewal = _currentManager!.Current(name);
            return Task.CompletedTask;
        });
        _currentManager = manager;
        manager.Want([name]);
        using var oldLeaf = old.ToCertificate();

        var watch = Stopwatch.StartNew();
        await manager.RenewDueAsync(CancellationToken.None);
        output.WriteLine($"renewed in {watch.Elapsed.TotalSeconds:0.00} s");

        Assert.Equal(oldLeaf.Thumbprint, servedDuringRenewal?.Thumbprint);
        var renewed = manager.Current(name);
        Assert.NotNull(renewed);
        Assert.NotEqual(oldLeaf.Thumbprint, renewed!.Thumbprint);
        await AssertIssuedByPebbleAsync(renewed);
        using var onDisk = IssuedCertificate.FromPem(File.ReadAllText(store.PathOf(name))).ToCertificate();
        Assert.Equal(renewed.Thumbprint, onDisk.Thumbprint);
        Assert.Single(store.Files());

        // Not due any more (pebble's certificates last years): the next pass leaves it alone.
        int requests = fixture.Challenges.Requests;
        await manager.RenewDueAsync(CancellationToken.None);
        Assert.Equal(renewed.Thumbprint, manager.Current(name)!.Thumbprint);
        Assert.Equal(requests, fixture.Challenges.Requests);
    }

    private CertificateManager? _currentManager;

    private async Task AssertIssuedByPebbleAsync(X509Certificate2 leaf)
    {
        using var root = await fixture.Pebble.IssuingRootAsync();
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(root);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        // The intermediates come from the stored chain, as a TLS server sends them.
        var stored = Directory.GetFiles(Path.Combine(_data, "acme", "certificates")).Select(f => IssuedCertificate.FromPem(File.ReadAllText(f)));
        foreach (var c in stored) chain.ChainPolicy.ExtraStore.AddRange(c.Intermediates());
        Assert.True(chain.Build(leaf), string.Join("; ", chain.ChainStatus.Select(s => s.StatusInformation)));
    }

    private static IssuedCertificate SelfSigned(string name, DateTimeOffset notAfter)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=" + name, key, HashAlgorithmName.SHA256);
        using var cert = request.CreateSelfSigned(notAfter.AddDays(-80), notAfter);
        return new IssuedCertificate(cert.ExportCertificatePem() + "\n", key.ExportPkcs8PrivateKeyPem() + "\n");
    }

    public void Dispose()
    {
        foreach (var d in Enumerable.Reverse(_owned)) d.Dispose();
        Directory.Delete(_data, recursive: true);
    }
}
