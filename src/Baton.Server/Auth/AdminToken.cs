using System.Security.Cryptography;
using System.Text;

namespace Baton.Server.Auth;

/// <summary>
/// The admin API token. Created on first start: only its SHA-256 is kept for checking
/// (<c>admin-token.sha256</c>); the token itself is written once to <c>admin-token</c> (mode 600)
/// for the local CLI, and printed once.
/// </summary>
public sealed class AdminToken
{
    private readonly byte[] _hash;

    private AdminToken(byte[] hash, string? created)
    {
        _hash = hash;
        CreatedToken = created;
    }

    /// <summary>The token in clear, only on the start that created it.</summary>
    public string? CreatedToken { get; }

    public static string TokenFile(string dataDirectory) => Path.Combine(dataDirectory, "admin-token");

    public static AdminToken LoadOrCreate(string dataDirectory)
    {
        Directory.CreateDirectory(dataDirectory);
        var hashFile = Path.Combine(dataDirectory, "admin-token.sha256");
        if (File.Exists(hashFile))
        {
            var hex = File.ReadAllText(hashFile).Trim();
            try
            {
                return new AdminToken(Convert.FromHexString(hex), null);
            }
            catch (FormatException)
            {
                throw new InvalidDataException($"{hashFile} is damaged; delete it (and admin-token) to have a new token made.");
            }
        }
        var token = "bt_" + Base64Url(RandomNumberGenerator.GetBytes(32));
        var hash = Hash(token);
        Secrets.WritePrivate(TokenFile(dataDirectory), token + "\n");
        Secrets.WritePrivate(hashFile, Convert.ToHexString(hash) + "\n");
        return new AdminToken(hash, token);
    }

    public bool Matches(string? presented) =>
        presented is { Length: > 0 } && CryptographicOperations.FixedTimeEquals(Hash(presented), _hash);

    private static byte[] Hash(string token) => SHA256.HashData(Encoding.UTF8.GetBytes(token));

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
