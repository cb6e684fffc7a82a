using System.Security.Cryptography;
using System.Text;

namespace Baton.Deploy.Store;

/// <summary>
/// Encrypts service definitions at rest: their <c>env</c> holds secret values, and <c>baton.db</c>
/// is copied into backups and read by tools that never should see them. AES-256-GCM with a random
/// key kept in <c>&lt;data&gt;/secrets.key</c> (mode 600, created on first use); each text is
/// stored as <c>enc:v1:</c> and base64 of nonce, ciphertext and tag. Anyone with the data
/// directory has the key too: this keeps secrets out of the database file and its copies, not
/// from the machine's owner.
/// </summary>
public sealed class DefinitionCipher
{
    public const string KeyFileName = "secrets.key";
    private const string Prefix = "enc:v1:";
    private const int NonceBytes = 12, TagBytes = 16;

    private readonly byte[] _key;

    private DefinitionCipher(byte[] key) => _key = key;

    /// <summary>Reads the key in <paramref name="dataDirectory"/>, or makes one. Throws <see cref="InvalidDataException"/> with one sentence when it is damaged.</summary>
    public static DefinitionCipher OpenOrCreate(string dataDirectory)
    {
        var path = Path.Combine(dataDirectory, KeyFileName);
        if (File.Exists(path))
        {
            var key = File.ReadAllBytes(path);
            if (key.Length != 32) throw new InvalidDataException($"{path} is damaged (not a 32-byte key); restore it from a backup: without it the service definitions cannot be read.");
            return new DefinitionCipher(key);
        }
        var created = RandomNumberGenerator.GetBytes(32);
        PrivateFiles.Write(path, created);
        return new DefinitionCipher(created);
    }

    public static bool IsEncrypted(string text) => text.StartsWith(Prefix, StringComparison.Ordinal);

    public string Encrypt(string text)
    {
        var plain = Encoding.UTF8.GetBytes(text);
        var sealedBytes = new byte[NonceBytes + plain.Length + TagBytes];
        var nonce = sealedBytes.AsSpan(0, NonceBytes);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(_key, TagBytes);
        aes.Encrypt(nonce, plain, sealedBytes.AsSpan(NonceBytes, plain.Length), sealedBytes.AsSpan(NonceBytes + plain.Length));
        return Prefix + Convert.ToBase64String(sealedBytes);
    }

    /// <summary>The clear text; a text stored before encryption (no prefix) is returned as it is.</summary>
    public string Decrypt(string stored)
    {
        if (!IsEncrypted(stored)) return stored;
        var sealedBytes = Convert.FromBase64String(stored[Prefix.Length..]);
        if (sealedBytes.Length < NonceBytes + TagBytes) throw new InvalidDataException("A stored service definition is damaged (too short to be encrypted).");
        var length = sealedBytes.Length - NonceBytes - TagBytes;
        var plain = new byte[length];
        using var aes = new AesGcm(_key, TagBytes);
        try
        {
            aes.Decrypt(sealedBytes.AsSpan(0, NonceBytes), sealedBytes.AsSpan(NonceBytes, length), sealedBytes.AsSpan(NonceBytes + length), plain);
        }
        catch (AuthenticationTagMismatchException)
        {
            throw new InvalidDataException($"A stored service definition does not open with {KeyFileName}: the key was replaced or the database changed; restore the key that goes with this baton.db.");
        }
        return Encoding.UTF8.GetString(plain);
    }
}
