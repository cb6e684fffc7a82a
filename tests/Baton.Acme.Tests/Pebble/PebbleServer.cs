using System.Diagnostics;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace Baton.Acme.Tests.Pebble;

/// <summary>
/// Debian's pebble (the ACME test server) on 127.0.0.1 with ports of its own, a config file this
/// fixture writes, its own TLS certificate from a CA made here (the only CA the clients trust for
/// it), <c>-dnsserver</c> pointed at a <see cref="TinyDns"/>, and its http-01 validations sent to
/// <c>httpPort</c>. Stopped by its PID.
/// </summary>
internal sealed class PebbleServer : IDisposable
{
    private readonly Process _process;
    private readonly string _folder;
    private readonly StringBuilder _log = new();

    private PebbleServer(Process process, string folder, int port, int managementPort, TinyDns dns, string caPath)
    {
        _process = process;
        _folder = folder;
        DirectoryUrl = new Uri($"https://127.0.0.1:{port}/dir");
        ManagementUrl = new Uri($"https://127.0.0.1:{managementPort}/");
        Dns = dns;
        CaPath = caPath;
    }

    public Uri DirectoryUrl { get; }
    public Uri ManagementUrl { get; }
    public TinyDns Dns { get; }

    /// <summary>The PEM of the CA that signed pebble's own TLS certificate (its directory's, not the issued certificates').</summary>
    public string CaPath { get; }

    public string Log
    {
        get
        {
            lock (_log) return _log.ToString();
        }
    }

    public static bool Installed => File.Exists("/usr/bin/pebble");

    /// <summary>Starts pebble validating http-01 on <paramref name="httpPort"/>, and waits until its directory answers.</summary>
    public static async Task<PebbleServer> StartAsync(int httpPort)
    {
        if (!Installed) throw new InvalidOperationException("pebble is not installed: apt-get install -y pebble (scripts/lib.sh require_pebble does it for ./test.sh).");
        var folder = Directory.CreateTempSubdirectory("baton-pebble-").FullName;
        var caPath = Path.Combine(folder, "ca.pem");
        WriteTlsFiles(folder, caPath);
        int port = FreePort(), managementPort = FreePort();
        File.WriteAllText(Path.Combine(folder, "pebble-config.json"), $$"""
            {
              "pebble": {
                "listenAddress": "127.0.0.1:{{port}}",
                "managementListenAddress": "127.0.0.1:{{managementPort}}",
                "certificate": "{{folder}}/cert.pem",
                "privateKey": "{{folder}}/key.pem",
                "httpPort": {{httpPort}},
                "tlsPort": {{FreePort()}},
                "ocspResponderURL": "",
                "externalAccountBindingRequired": false
              }
            }
            """);
        var dns = new TinyDns();
        var psi = new ProcessStartInfo("/usr/bin/pebble") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = folder };
        foreach (var a in new[] { "-config", Path.Combine(folder, "pebble-config.json"), "-dnsserver", dns.EndPoint.ToString() }) psi.ArgumentList.Add(a);
        // No random sleeps before validating, no nonces refused at random (the unit tests cover badNonce),
        // and no reuse of earlier validations, so every order really validates.
        psi.Environment["PEBBLE_VA_NOSLEEP"] = "1";
        psi.Environment["PEBBLE_WFE_NONCEREJECT"] = "0";
        psi.Environment["PEBBLE_AUTHZREUSE"] = "0";
        var process = Process.Start(psi)!;
        var server = new PebbleServer(process, folder, port, managementPort, dns, caPath);
        process.OutputDataReceived += (_, e) => server.Append(e.Data);
        process.ErrorDataReceived += (_, e) => server.Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var http = server.CreateHttpClient();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            try
            {
                using var response = await http.GetAsync(server.DirectoryUrl);
                if (response.IsSuccessStatusCode) return server;
            }
            catch (HttpRequestException) when (DateTime.UtcNow < deadline && !process.HasExited)
            {
            }
            if (process.HasExited || DateTime.UtcNow >= deadline)
            {
                server.Dispose();
                throw new InvalidOperationException("pebble did not start: " + server.Log);
            }
            await Task.Delay(100);
        }
    }

    /// <summary>A handler that trusts exactly the CA of pebble's TLS certificate.</summary>
    public SocketsHttpHandler CreateHandler()
    {
        var ca = X509Certificate2.CreateFromPem(File.ReadAllText(CaPath));
        return new SocketsHttpHandler
        {
            SslOptions = new SslClientAuthenticationOptions
            {
                RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
                {
                    if (certificate is null || (errors & ~SslPolicyErrors.RemoteCertificateChainErrors) != SslPolicyErrors.None) return false;
                    using var chain = new X509Chain();
                    chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                    chain.ChainPolicy.CustomTrustStore.Add(ca);
                    chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                    using var leaf = X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
                    return chain.Build(leaf);
                },
            },
        };
    }

    public HttpClient CreateHttpClient() => new(CreateHandler());

    /// <summary>The root that signs the certificates pebble issues (its management endpoint <c>/roots/0</c>; new at every start).</summary>
    public async Task<X509Certificate2> IssuingRootAsync()
    {
        using var http = CreateHttpClient();
        var pem = await http.GetStringAsync(new Uri(ManagementUrl, "roots/0"));
        return X509Certificate2.CreateFromPem(pem);
    }

    private void Append(string? line)
    {
        if (line is null) return;
        lock (_log) _log.AppendLine(line);
    }

    /// <summary>A CA and, signed by it, pebble's certificate for 127.0.0.1 and localhost (PEM files pebble reads).</summary>
    private static void WriteTlsFiles(string folder, string caPath)
    {
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest("CN=Baton test CA for pebble", caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        // One clock reading for both, the leaf inside the CA's span: two readings a second apart made the leaf outlive
        // its issuer, which CertificateRequest.Create refuses (suite run of 2026-12-07 13:04, on a loaded machine).
        var now = DateTimeOffset.UtcNow;
        using var ca = caRequest.CreateSelfSigned(now.AddMinutes(-5), now.AddDays(2));
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=pebble", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddIpAddress(IPAddress.Loopback);
        san.AddDnsName("localhost");
        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        using var leaf = request.Create(ca, now.AddMinutes(-5), now.AddDays(1), RandomNumberGenerator.GetBytes(8));
        File.WriteAllText(caPath, ca.ExportCertificatePem() + "\n");
        File.WriteAllText(Path.Combine(folder, "cert.pem"), leaf.ExportCertificatePem() + "\n");
        File.WriteAllText(Path.Combine(folder, "key.pem"), key.ExportPkcs8PrivateKeyPem() + "\n");
    }

    internal static int FreePort() => Baton.Testing.TestPorts.Next();

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill();
                _process.WaitForExit(5000);
            }
        }
        catch (InvalidOperationException)
        {
        }
        _process.Dispose();
        Dns.Dispose();
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
