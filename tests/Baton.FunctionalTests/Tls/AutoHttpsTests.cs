using System.Diagnostics;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using Baton.Acme.Tests.Pebble;
using Baton.FunctionalTests.Deploy;
using Baton.FunctionalTests.Infrastructure;
using Xunit.Abstractions;

namespace Baton.FunctionalTests.Tls;

/// <summary>
/// Automatic HTTPS end to end: a Baton server whose ACME directory is Debian's pebble on
/// 127.0.0.1 (its http-01 validations sent to Baton's public listener, names resolved to
/// 127.0.0.1 by the test's DNS answerer), a <c>tls: auto</c> service of the sample app deployed
/// on the real engine, and a client that trusts only pebble's issuing root.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class AutoHttpsTests(ITestOutputHelper output)
{
    [Fact]
    public async Task TlsAuto_Deployed_CertificateFromPebble_ServedBySni_RedirectAndHsts()
    {
        int publicPort = PebbleServer.FreePort();
        using var pebble = await PebbleServer.StartAsync(httpPort: publicPort);
        await using var app = await BlueGreenApp.StartAsync("tls: auto\nhttps_redirect: true\nhsts: true", o => o with
        {
            Listen = $"127.0.0.1:{publicPort}",
            ListenTls = "127.0.0.1:0",
            AcmeEmail = "ops@example.com",
            AcmeDirectory = pebble.DirectoryUrl.ToString(),
            AcmeCaCertificate = pebble.CaPath,
        });
        var tlsPort = new Uri(app.ProxyTlsUrl!).Port;

        var watch = Stopwatch.StartNew();
        await app.DeployOkAsync("v1");
        var deployed = watch.Elapsed;
        using var root = await pebble.IssuingRootAsync();
        using var client = HttpsClient(tlsPort, root);
        HttpResponseMessage? answer = null;
        await Wait.UntilAsync(async () =>
        {
            try
            {
                answer = await client.GetAsync($"https://{app.Host}:{tlsPort}/version");
                return true;
            }
            catch (HttpRequestException)
            {
                return false; // no certificate for the name yet: the handshake fails
            }
        }, $"{app.Host} answers over HTTPS", TimeSpan.FromSeconds(60));
        output.WriteLine($"deploy {deployed.TotalSeconds:0.0} s; first HTTPS answer {watch.Elapsed.TotalSeconds:0.0} s after the deploy began");

        Assert.Equal(HttpStatusCode.OK, answer!.StatusCode);
        Assert.Equal("v1", await answer.Content.ReadAsStringAsync());
        Assert.Equal("max-age=31536000", answer.Headers.GetValues("Strict-Transport-Security").Single());
        Assert.Equal(HttpVersion.Version20, answer.Version);
        var served = _served!;
        Assert.Contains(app.Host, served.GetNameInfo(X509NameType.DnsName, false));
        // Stored owner-only in the data directory, the key beside the chain.
        var file = Path.Combine(app.DataDirectory!, "acme", "certificates", app.Host + ".pem");
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
        Assert.Contains("PRIVATE KEY", await File.ReadAllTextAsync(file));

        // Plain HTTP is sent to HTTPS, the same target.
        var redirect = await RawHttp.SendAsync(app.ProxyUri, "GET", "/version?a=1", app.Host);
        Assert.Equal(308, redirect.Status);
        Assert.Equal($"https://{app.Host}:{tlsPort}/version?a=1", redirect.Header("Location"));
        // A name with no certificate gets no handshake (nothing else is served on the TLS listener).
        await Assert.ThrowsAsync<HttpRequestException>(() => client.GetAsync($"https://other.localhost:{tlsPort}/version"));
    }

    [Fact]
    public async Task TlsAuto_SupervisedServer_RouterProcessGetsTheCertificate_ServesItStoredAfterARouterRestart()
    {
        int publicPort = ServerProcess.FreePort(), tlsPort = ServerProcess.FreePort();
        using var pebble = await PebbleServer.StartAsync(httpPort: publicPort);
        var data = RouterHost.NewDataDirectory();
        try
        {
            // The real layout: supervisor, router process (ACME, challenges, SNI) and controller, each its own process.
            await using var server = await ServerProcess.StartAsync(data, publicPort, ServerProcess.FreePort(), extraArgs:
                ["--listen-tls", $"127.0.0.1:{tlsPort}", "--acme-email", "ops@example.com", "--acme-directory", pebble.DirectoryUrl.ToString(), "--acme-ca", pebble.CaPath]);
            await using var app = await BlueGreenApp.ForProcessAsync(server, "tls: auto");
            await app.DeployOkAsync("v1");
            using var root = await pebble.IssuingRootAsync();
            using var client = HttpsClient(tlsPort, root);
            await Wait.UntilAsync(async () =>
            {
                try
                {
                    return (await client.GetStringAsync($"https://{app.Host}:{tlsPort}/version")) == "v1";
                }
                catch (HttpRequestException)
                {
                    return false;
                }
            }, $"{app.Host} answers over HTTPS", TimeSpan.FromSeconds(60));
            var issued = _served!.Thumbprint;

            var restarted = await app.CliAsync("router", "restart");
            Assert.True(restarted.ExitCode == 0, restarted.ToString());
            // The new router process serves the stored certificate from its first handshake: no new order.
            using var fresh = HttpsClient(tlsPort, root);
            Assert.Equal("v1", await fresh.GetStringAsync($"https://{app.Host}:{tlsPort}/version"));
            Assert.Equal(issued, _served!.Thumbprint);
            Assert.Single(Directory.GetFiles(Path.Combine(data, "acme", "certificates")));
        }
        finally
        {
            Directory.Delete(data, recursive: true);
        }
    }

    [Fact]
    public async Task TlsAuto_ServerWithoutHttpsListener_RefusedAtApplyWithOneSentence()
    {
        await using var app = await BlueGreenApp.StartAsync();
        var refused = await app.ApplyAsync(app.Yaml("tls: auto"));
        Assert.NotEqual(0, refused.ExitCode);
        Assert.Contains("tls: auto needs an HTTPS listener and this server runs none; start it with --listen-tls :443 (and --acme-email), or drop tls; nothing was applied.", refused.Stderr);
    }

    [Fact]
    public async Task ChallengePath_NoPendingToken_GoesOnToTheApp()
    {
        await using var backend = await Backend.StartAsync("a");
        // Automatic HTTPS is on (a TLS listener), yet no challenge is pending: the path is the app's.
        await using var router = await RouterHost.StartAsync(configure: o => o with { ListenTls = "127.0.0.1:0", AcmeDirectory = "http://127.0.0.1:9/dir" });
        await router.DeployOkAsync("web", backend);

        var answer = await RawHttp.SendAsync(router.ProxyUri, "GET", "/.well-known/acme-challenge/some-token", "web.localhost");

        Assert.Equal(200, answer.Status);
        Assert.Equal("a", answer.Header("X-Backend"));
        Assert.Equal("/.well-known/acme-challenge/some-token", answer.Header("X-Path"));
    }

    private X509Certificate2? _served;

    /// <summary>HTTPS to the TLS listener whatever the name (its SNI is the URL's host), trusting pebble's issuing root alone.</summary>
    private HttpClient HttpsClient(int port, X509Certificate2 root) => new(new SocketsHttpHandler
    {
        UseProxy = false,
        ConnectCallback = async (_, ct) =>
        {
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), ct);
            return new NetworkStream(socket, ownsSocket: true);
        },
        SslOptions = new SslClientAuthenticationOptions
        {
            RemoteCertificateValidationCallback = (_, certificate, chain, errors) =>
            {
                if (certificate is null || (errors & ~SslPolicyErrors.RemoteCertificateChainErrors) != SslPolicyErrors.None) return false;
                using var custom = new X509Chain();
                custom.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                custom.ChainPolicy.CustomTrustStore.Add(root);
                custom.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                // The intermediates the server sent with its certificate.
                if (chain is not null) custom.ChainPolicy.ExtraStore.AddRange(chain.ChainPolicy.ExtraStore);
                var leaf = X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
                _served = leaf;
                return custom.Build(leaf);
            },
        },
    })
    {
        DefaultRequestVersion = HttpVersion.Version20,
        DefaultVersionPolicy = HttpVersionPolicy.RequestVersionOrLower,
        Timeout = TimeSpan.FromSeconds(10),
    };
}
