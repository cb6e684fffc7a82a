using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Baton.Docker.Tests;

/// <summary>
/// tcp:// with TLS both ways, as dockerd --tlsverify runs it: a private CA signs the engine's certificate and ours.
/// The engine listens only on its socket, so a loopback TLS relay in front of it plays dockerd's TLS side.
/// </summary>
[Collection("docker")]
public sealed class TlsTests(DockerFixture docker) : IDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("baton-tls-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    [Fact]
    public async Task An_engine_behind_mutual_tls_answers_with_our_ca_and_client_certificate()
    {
        var ca = CertificateAuthority.Create("baton-test-ca");
        var server = ca.Issue("engine", serverAuth: true);
        ca.WritePem(Path.Combine(folder, "ca.pem"));
        ca.Issue("baton", serverAuth: false).WritePem(Path.Combine(folder, "cert.pem"), Path.Combine(folder, "key.pem"));
        await using var relay = TlsRelay.Start(SocketPath, server.Certificate, ca.Certificate);

        var connected = await DockerEngine.ConnectAsync(DockerEndpoint.Parse($"tcp://127.0.0.1:{relay.Port}", DockerTls.FromFolder(folder)));

        using var engine = connected.Value;
        Assert.Equal(docker.Engine.EngineVersion, engine.EngineVersion);
        Assert.True((await engine.Images.InspectAsync(docker.Image)).IsSuccess);
        Assert.Equal(1, relay.ClientCertificatesAccepted);
    }

    [Fact]
    public async Task An_engine_certificate_from_another_ca_is_refused()
    {
        var ours = CertificateAuthority.Create("baton-test-ca");
        var theirs = CertificateAuthority.Create("someone-else");
        ours.WritePem(Path.Combine(folder, "ca.pem"));
        ours.Issue("baton", serverAuth: false).WritePem(Path.Combine(folder, "cert.pem"), Path.Combine(folder, "key.pem"));
        await using var relay = TlsRelay.Start(SocketPath, theirs.Issue("engine", serverAuth: true).Certificate, ours.Certificate);

        var connected = await DockerEngine.ConnectAsync(DockerEndpoint.Parse($"tcp://127.0.0.1:{relay.Port}", DockerTls.FromFolder(folder)));

        Assert.Equal(DockerErrorKind.EngineUnreachable, connected.Error?.Kind);
        Assert.StartsWith($"Cannot reach the Docker engine at tcp://127.0.0.1:{relay.Port}: ", connected.Error!.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Missing_tls_files_are_an_error_value()
    {
        var connected = await DockerEngine.ConnectAsync(DockerEndpoint.Parse("tcp://127.0.0.1:2376", DockerTls.FromFolder(folder)));
        Assert.Equal(DockerErrorKind.EngineUnreachable, connected.Error?.Kind);
        Assert.Contains("TLS files", connected.Error!.Message, StringComparison.Ordinal);
    }

    private static string SocketPath => DockerEndpoint.FromEnvironment().SocketPath ?? DockerEndpoint.DefaultSocketPath;

    private sealed record IssuedCertificate(X509Certificate2 Certificate, string KeyPem)
    {
        public void WritePem(string certPath, string keyPath)
        {
            File.WriteAllText(certPath, Certificate.ExportCertificatePem());
            File.WriteAllText(keyPath, KeyPem);
        }
    }

    private sealed class CertificateAuthority
    {
        private readonly ECDsa key;

        private CertificateAuthority(ECDsa key, X509Certificate2 certificate)
        {
            this.key = key;
            Certificate = certificate;
        }

        public X509Certificate2 Certificate { get; }

        public static CertificateAuthority Create(string name)
        {
            var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
            request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
            request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
            request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
            return new CertificateAuthority(key, request.CreateSelfSigned(DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddDays(1)));
        }

        public void WritePem(string path) => File.WriteAllText(path, Certificate.ExportCertificatePem());

        public IssuedCertificate Issue(string name, bool serverAuth)
        {
            using var leafKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            var request = new CertificateRequest($"CN={name}", leafKey, HashAlgorithmName.SHA256);
            request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
            request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(
                [new Oid(serverAuth ? "1.3.6.1.5.5.7.3.1" : "1.3.6.1.5.5.7.3.2")], false));
            if (serverAuth)
            {
                var names = new SubjectAlternativeNameBuilder();
                names.AddIpAddress(IPAddress.Loopback);
                request.CertificateExtensions.Add(names.Build());
            }
            using var signed = request.Create(Certificate.SubjectName, X509SignatureGenerator.CreateForECDsa(key),
                DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddHours(12), RandomNumberGenerator.GetBytes(8)); // inside the CA's day
            return new IssuedCertificate(signed.CopyWithPrivateKey(leafKey), leafKey.ExportPkcs8PrivateKeyPem());
        }
    }

    /// <summary>Terminates TLS (requiring a client certificate from the CA) and relays to the engine's unix socket.</summary>
    private sealed class TlsRelay : IAsyncDisposable
    {
        private readonly TcpListener listener = new(IPAddress.Loopback, 0);
        private readonly CancellationTokenSource stop = new();
        private readonly string socketPath;
        private readonly X509Certificate2 certificate;
        private readonly X509Certificate2 clientCa;
        private readonly List<Task> connections = [];
        private Task? accepting;
        private int accepted;

        private TlsRelay(string socketPath, X509Certificate2 certificate, X509Certificate2 clientCa)
        {
            this.socketPath = socketPath;
            this.certificate = certificate;
            this.clientCa = clientCa;
        }

        public int Port => ((IPEndPoint)listener.LocalEndpoint).Port;

        public int ClientCertificatesAccepted => Volatile.Read(ref accepted);

        public static TlsRelay Start(string socketPath, X509Certificate2 certificate, X509Certificate2 clientCa)
        {
            var relay = new TlsRelay(socketPath, certificate, clientCa);
            relay.listener.Start();
            relay.accepting = relay.AcceptAsync();
            return relay;
        }

        private async Task AcceptAsync()
        {
            try
            {
                while (true)
                {
                    var client = await listener.AcceptTcpClientAsync(stop.Token);
                    lock (connections) connections.Add(RelayAsync(client));
                }
            }
            catch (OperationCanceledException)
            {
            }
        }

        private async Task RelayAsync(TcpClient client)
        {
            using (client)
            {
                try
                {
                    await using var tls = new SslStream(client.GetStream());
                    await tls.AuthenticateAsServerAsync(new SslServerAuthenticationOptions
                    {
                        ServerCertificate = certificate,
                        ClientCertificateRequired = true,
                        RemoteCertificateValidationCallback = (_, presented, _, _) => ChainsToCa(presented),
                    }, stop.Token);
                    Interlocked.Increment(ref accepted);
                    using var engine = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                    await engine.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), stop.Token);
                    await using var engineStream = new NetworkStream(engine);
                    await Task.WhenAny(tls.CopyToAsync(engineStream, stop.Token), engineStream.CopyToAsync(tls, stop.Token));
                }
                catch (Exception)
                {
                    // A refused handshake or a closed side ends this relayed connection; the test looks at the client's view.
                }
            }
        }

        private bool ChainsToCa(X509Certificate? presented)
        {
            if (presented is null) return false;
            using var chain = new X509Chain();
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.Add(clientCa);
            chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            using var leaf = X509CertificateLoader.LoadCertificate(presented.GetRawCertData());
            return chain.Build(leaf);
        }

        public async ValueTask DisposeAsync()
        {
            await stop.CancelAsync();
            listener.Stop();
            if (accepting is not null) await accepting;
            Task[] open;
            lock (connections) open = [.. connections];
            await Task.WhenAll(open);
            stop.Dispose();
        }
    }
}
