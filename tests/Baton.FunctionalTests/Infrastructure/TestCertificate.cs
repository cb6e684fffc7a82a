using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Baton.FunctionalTests.Infrastructure;

/// <summary>A self-signed certificate for 127.0.0.1, written as PEM certificate and key files.</summary>
public sealed class TestCertificate
{
    private TestCertificate(string certFile, string keyFile, string thumbprint)
    {
        CertificateFile = certFile;
        KeyFile = keyFile;
        Thumbprint = thumbprint;
    }

    public string CertificateFile { get; }
    public string KeyFile { get; }
    public string Thumbprint { get; }

    public static TestCertificate Create(string directory)
    {
        using var rsa = RSA.Create(2048);
        var request = new CertificateRequest("CN=baton-test", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var san = new SubjectAlternativeNameBuilder();
        san.AddIpAddress(IPAddress.Loopback);
        san.AddDnsName("localhost");
        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        using var cert = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        var certFile = Path.Combine(directory, "tls.crt");
        var keyFile = Path.Combine(directory, "tls.key");
        File.WriteAllText(certFile, cert.ExportCertificatePem());
        File.WriteAllText(keyFile, rsa.ExportPkcs8PrivateKeyPem());
        return new TestCertificate(certFile, keyFile, cert.Thumbprint);
    }

    /// <summary>A handler that trusts exactly this certificate.</summary>
    public SocketsHttpHandler Trusting(SocketsHttpHandler handler)
    {
        handler.SslOptions.RemoteCertificateValidationCallback = (_, cert, _, _) =>
            cert is not null && string.Equals(cert.GetCertHashString(), Thumbprint, StringComparison.OrdinalIgnoreCase);
        return handler;
    }
}
