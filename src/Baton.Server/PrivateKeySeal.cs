using Baton.Deploy.Store;
using Baton.Hosts.Store;

namespace Baton.Server;

/// <summary>
/// The hosts' and routers' private keys sealed with the data directory's <c>secrets.key</c> (AES-256-GCM, the
/// <see cref="DefinitionCipher"/> that seals the service definitions): one key to keep with the data directory's
/// backups, and no private key in clear in <c>hosts.json</c> or <c>routers.json</c>.
/// </summary>
internal sealed class PrivateKeySeal(DefinitionCipher cipher) : IPrivateKeySeal
{
    public string Seal(string clear) => cipher.Encrypt(clear);

    public string Open(string stored)
    {
        try
        {
            return cipher.Decrypt(stored);
        }
        catch (FormatException e)
        {
            throw new InvalidDataException("A sealed private key is damaged (not base64).", e);
        }
    }

    public bool IsSealed(string stored) => DefinitionCipher.IsEncrypted(stored);
}
