using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace Baton.Contracts;

/// <summary>
/// Trust exactly the certificates of one PEM file (a private CA, or a self-signed server
/// certificate) instead of the system store: Docker engines (<c>--tlscacert</c>) and Baton's own
/// admin listener use such certificates.
/// </summary>
public static class CustomRootTrust
{
    /// <summary>A validation callback that accepts a server chain anchored in a certificate of <paramref name="pemPath"/>.</summary>
    /// <exception cref="IOException">The file holds no PEM certificate.</exception>
    public static RemoteCertificateValidationCallback Validator(string pemPath)
    {
        // A bundle may hold several certificates; each may anchor the server's chain.
        var roots = new X509Certificate2Collection();
        roots.ImportFromPemFile(pemPath);
        if (roots.Count == 0) throw new IOException($"{pemPath} holds no PEM certificate");
        return (_, certificate, _, errors) =>
        {
            if (certificate is null || (errors & ~SslPolicyErrors.RemoteCertificateChainErrors) != SslPolicyErrors.None) return false;
            using var chain = new X509Chain();
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.AddRange(roots);
            chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            using var leaf = X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
            return chain.Build(leaf);
        };
    }
}
