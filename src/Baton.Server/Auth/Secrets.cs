using System.Security.Cryptography;
using System.Text;

namespace Baton.Server.Auth;

/// <summary>Random secrets and the one-way hashes that are all Baton keeps of them.</summary>
internal static class Secrets
{
    /// <summary>A fresh random value of 32 bytes, URL-safe, with a prefix telling what it is (<c>bt_</c> tokens, <c>bs_</c> sessions).</summary>
    public static string New(string prefix, int bytes = 32) => prefix + Base64Url(RandomNumberGenerator.GetBytes(bytes));

    /// <summary>SHA-256 in hex: tokens and session ids carry 256 random bits, so a fast hash is enough (no need for a slow one as for passwords).</summary>
    public static string Hash(string value) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(value)));

    public static bool SameText(string? a, string? b) =>
        a is not null && b is not null && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(a), Encoding.UTF8.GetBytes(b));

    public static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    /// <summary>Writes a file only its owner may read (mode 600), replacing any old one.</summary>
    public static void WritePrivate(string path, string content) => Baton.Deploy.Store.PrivateFiles.Write(path, Encoding.UTF8.GetBytes(content));
}
