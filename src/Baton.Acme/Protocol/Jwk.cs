using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;

namespace Baton.Acme.Protocol;

/// <summary>
/// The public half of an ES256 account key as a JSON Web Key (RFC 7517), and its thumbprint (RFC 7638).
/// </summary>
public static class Jwk
{
    /// <summary>
    /// The JWK of a P-256 key in the canonical form RFC 7638 hashes: only the required members
    /// (<c>crv</c>, <c>kty</c>, <c>x</c>, <c>y</c>), in lexicographic order, no white space. The same
    /// text goes into the JWS header, so what the server hashes is what we hash.
    /// </summary>
    public static string Of(ECDsa key)
    {
        var p = key.ExportParameters(includePrivateParameters: false);
        if (p.Curve.Oid.Value != ECCurve.NamedCurves.nistP256.Oid.Value)
            throw new ArgumentException("An ACME account key must be an ECDSA P-256 key (ES256).", nameof(key));
        return Canonical([("crv", "P-256"), ("kty", "EC"), ("x", Base64Url.EncodeToString(p.Q.X)), ("y", Base64Url.EncodeToString(p.Q.Y))]);
    }

    /// <summary>The RFC 7638 form of any key's required members: sorted by name, strings only (all of EC's and RSA's are).</summary>
    public static string Canonical(IEnumerable<(string Name, string Value)> members)
    {
        var sb = new StringBuilder("{");
        foreach (var (name, value) in members.OrderBy(m => m.Name, StringComparer.Ordinal))
        {
            if (sb.Length > 1) sb.Append(',');
            // Names and values of required members are base64url or fixed words: nothing to escape.
            sb.Append('"').Append(name).Append("\":\"").Append(value).Append('"');
        }
        return sb.Append('}').ToString();
    }

    /// <summary>base64url(SHA-256(canonical JWK)), RFC 7638 section 3.</summary>
    public static string Thumbprint(string canonicalJwk) =>
        Base64Url.EncodeToString(SHA256.HashData(Encoding.UTF8.GetBytes(canonicalJwk)));

    /// <summary>The http-01 answer for a token (RFC 8555 section 8.1): <c>token "." thumbprint</c>.</summary>
    public static string KeyAuthorization(string token, ECDsa accountKey) => token + "." + Thumbprint(Of(accountKey));
}
