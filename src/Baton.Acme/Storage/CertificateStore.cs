using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Baton.Acme.Issuance;

namespace Baton.Acme.Storage;

/// <summary>
/// The certificates Baton got, one file per host name in <c>&lt;data&gt;/acme/certificates/</c>:
/// <c>HOST.pem</c> holds the private key and the chain (mode 600), written with one rename, so a
/// reader sees the old pair or the new one, never half of either.
/// </summary>
public sealed partial class CertificateStore(string directory)
{
    public string Directory { get; } = directory;

    /// <summary>The file of <paramref name="host"/>; the name is checked so that it can only be a file in the store.</summary>
    public string PathOf(string host)
    {
        if (!HostName().IsMatch(host)) throw new ArgumentException($"'{host}' is not a DNS name a certificate can be stored under.", nameof(host));
        return System.IO.Path.Combine(Directory, host.ToLowerInvariant() + ".pem");
    }

    public void Save(string host, IssuedCertificate certificate)
    {
        PrivateFile.CreateDirectory(Directory);
        PrivateFile.Write(PathOf(host), certificate.ToPem());
    }

    /// <summary>The stored certificate of <paramref name="host"/>, or null when there is none.</summary>
    /// <exception cref="CryptographicException">The file is there but holds no certificate with its key.</exception>
    public IssuedCertificate? Load(string host)
    {
        var path = PathOf(host);
        return File.Exists(path) ? IssuedCertificate.FromPem(File.ReadAllText(path)) : null;
    }

    /// <summary>Every file in the store (none while nothing was issued).</summary>
    public IReadOnlyList<string> Files() =>
        System.IO.Directory.Exists(Directory) ? System.IO.Directory.GetFiles(Directory) : [];

    [GeneratedRegex("^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$")]
    private static partial Regex HostName();
}
