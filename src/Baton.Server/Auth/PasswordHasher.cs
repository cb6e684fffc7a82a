using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Baton.Server.Auth;

/// <summary>
/// Password hashes: PBKDF2-SHA256 with a 16-byte salt per password, stored as
/// <c>pbkdf2-sha256$ITERATIONS$SALT$HASH</c> (base64) so the count can be raised later without
/// breaking old hashes. 100,000 iterations take about 40 ms on one core of a small box: slow
/// for guessing offline, still fine for a sign-in, and the login throttle limits guessing online.
/// </summary>
public static class PasswordHasher
{
    public const int DefaultIterations = 100_000;
    private const string Scheme = "pbkdf2-sha256";
    private const int SaltBytes = 16;
    private const int HashBytes = 32;

    /// <summary>Shortest password Baton accepts.</summary>
    public const int MinimumLength = 12;

    public static string Hash(string password, int iterations = DefaultIterations)
    {
        var salt = RandomNumberGenerator.GetBytes(SaltBytes);
        var hash = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), salt, iterations, HashAlgorithmName.SHA256, HashBytes);
        return string.Create(CultureInfo.InvariantCulture, $"{Scheme}${iterations}${Convert.ToBase64String(salt)}${Convert.ToBase64String(hash)}");
    }

    /// <summary>True when <paramref name="password"/> gives <paramref name="stored"/>; false for a wrong password or a damaged hash.</summary>
    public static bool Verify(string password, string stored)
    {
        var parts = stored.Split('$');
        if (parts.Length != 4 || parts[0] != Scheme) return false;
        if (!int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var iterations) || iterations < 1) return false;
        byte[] salt, expected;
        try
        {
            salt = Convert.FromBase64String(parts[2]);
            expected = Convert.FromBase64String(parts[3]);
        }
        catch (FormatException)
        {
            return false;
        }
        var actual = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), salt, iterations, HashAlgorithmName.SHA256, expected.Length);
        return CryptographicOperations.FixedTimeEquals(actual, expected);
    }

    /// <summary>A hash of a random password, compared against when the user does not exist, so an unknown name takes as long as a wrong password.</summary>
    public static string Decoy { get; } = Hash(Secrets.New(""));

    /// <summary>Why <paramref name="password"/> cannot be used, or null.</summary>
    public static string? Problem(string? password) => password switch
    {
        null or "" => "Give a password.",
        { Length: < MinimumLength } => $"A password needs at least {MinimumLength} characters.",
        { Length: > 1024 } => "A password can have at most 1024 characters.",
        _ => null,
    };

    /// <summary>A random password for a new user: 24 URL-safe characters (144 bits).</summary>
    public static string Generate() => Secrets.Base64Url(RandomNumberGenerator.GetBytes(18));
}
