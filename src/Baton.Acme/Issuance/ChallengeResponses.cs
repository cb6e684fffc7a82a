using System.Collections.Concurrent;

namespace Baton.Acme.Issuance;

/// <summary>
/// The http-01 answers of the challenges in progress, by token: what the router serves at
/// <c>/.well-known/acme-challenge/TOKEN</c> (RFC 8555 section 8.3). A token is here only while its
/// challenge is pending, so anything else under that path goes on to the app.
/// </summary>
public sealed class ChallengeResponses
{
    /// <summary>The path every http-01 request starts with.</summary>
    public const string PathPrefix = "/.well-known/acme-challenge/";

    private readonly ConcurrentDictionary<string, string> _answers = new(StringComparer.Ordinal);

    /// <summary>True when no challenge is pending: the router's check then costs one read.</summary>
    public bool IsEmpty => _answers.IsEmpty;

    public void Publish(string token, string keyAuthorization) => _answers[token] = keyAuthorization;

    public void Withdraw(string token) => _answers.TryRemove(token, out _);

    /// <summary>The answer for a request path, when it names a pending token.</summary>
    public bool TryAnswer(string path, out string keyAuthorization)
    {
        keyAuthorization = "";
        if (_answers.IsEmpty || !path.StartsWith(PathPrefix, StringComparison.Ordinal)) return false;
        return _answers.TryGetValue(path[PathPrefix.Length..], out keyAuthorization!);
    }
}
