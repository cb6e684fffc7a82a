using System.Security.Cryptography;
using System.Text;

namespace Baton.Acme.Storage;

/// <summary>
/// The ACME account key (ECDSA P-256), one per ACME directory, in <c>&lt;data&gt;/acme/account-HASH.key</c>
/// (PKCS#8 PEM, mode 600): the account outlives restarts, and a staging directory's never mixes with production's.
/// </summary>
public static class AccountKeyStore
{
    public static ECDsa LoadOrCreate(string directory, Uri directoryUrl)
    {
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(directoryUrl.AbsoluteUri)))[..12];
        var path = Path.Combine(directory, $"account-{hash}.key");
        var key = ECDsa.Create();
        if (File.Exists(path))
        {
            try
            {
                key.ImportFromPem(File.ReadAllText(path));
                return key;
            }
            catch (Exception e) when (e is ArgumentException or CryptographicException)
            {
                key.Dispose();
                throw new InvalidDataException($"The ACME account key {path} cannot be read ({e.Message.TrimEnd('.')}); remove it to make a new account.");
            }
        }
        key.GenerateKey(ECCurve.NamedCurves.nistP256);
        PrivateFile.CreateDirectory(directory);
        PrivateFile.Write(path, key.ExportPkcs8PrivateKeyPem() + "\n");
        return key;
    }
}
