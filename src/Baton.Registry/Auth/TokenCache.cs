using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;

namespace Baton.Registry.Auth;

/// <summary>
/// Bearer tokens from registries' token servers, kept until they expire (less a margin, so a
/// token is not sent in its last seconds), keyed by realm, service, scope and login — the login
/// as a hash, so that a token got with one password is never handed to a check of another.
/// </summary>
internal sealed class TokenCache(TimeProvider time)
{
    /// <summary>A token server that names no lifetime means 60 s (the token specification's default).</summary>
    public static readonly TimeSpan DefaultLifetime = TimeSpan.FromSeconds(60);

    private const int MaxEntries = 256;
    private readonly ConcurrentDictionary<string, (string Token, DateTimeOffset Until)> _tokens = new(StringComparer.Ordinal);

    public static string Key(string realm, string? service, string? scope, RegistryLogin? login) =>
        string.Join('\n', realm, service ?? "", scope ?? "",
            login is null ? "" : Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes($"{login.Username}\n{login.Password}"))));

    public string? Get(string key) =>
        _tokens.TryGetValue(key, out var entry) && entry.Until > time.GetUtcNow() ? entry.Token : null;

    public void Put(string key, string token, TimeSpan lifetime)
    {
        var margin = TimeSpan.FromTicks(Math.Min(TimeSpan.FromSeconds(10).Ticks, lifetime.Ticks / 5));
        var now = time.GetUtcNow();
        if (_tokens.Count >= MaxEntries)
            foreach (var (k, v) in _tokens)
                if (v.Until <= now) _tokens.TryRemove(k, out _);
        if (_tokens.Count >= MaxEntries) _tokens.Clear();
        _tokens[key] = (token, now + lifetime - margin);
    }
}
