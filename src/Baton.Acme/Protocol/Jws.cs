using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Baton.Acme.Protocol;

/// <summary>
/// ACME's request bodies: a JWS in flattened JSON serialization (RFC 7515 section 7.2.2), signed
/// with ES256, whose protected header carries <c>alg</c>, <c>nonce</c>, <c>url</c> and either the
/// account's <c>jwk</c> (newAccount) or its <c>kid</c> (everything after), RFC 8555 section 6.2.
/// </summary>
public static class Jws
{
    /// <summary>Signs <paramref name="payload"/> (null: POST-as-GET, an empty payload).</summary>
    /// <param name="kid">The account URL; null puts the key itself (<paramref name="jwk"/>) in the header.</param>
    public static string Sign(ECDsa key, string nonce, Uri url, string? kid, string? payload)
    {
        using var header = new MemoryStream();
        using (var w = new Utf8JsonWriter(header))
        {
            w.WriteStartObject();
            w.WriteString("alg", "ES256");
            if (kid is not null) w.WriteString("kid", kid);
            else
            {
                w.WritePropertyName("jwk");
                w.WriteRawValue(Jwk.Of(key));
            }
            w.WriteString("nonce", nonce);
            w.WriteString("url", url.AbsoluteUri);
            w.WriteEndObject();
        }
        var protectedPart = Base64Url.EncodeToString(header.ToArray());
        var payloadPart = payload is null ? "" : Base64Url.EncodeToString(Encoding.UTF8.GetBytes(payload));
        // ES256 signs "protected.payload" and the signature is R || S, 32 bytes each (RFC 7518 section 3.4),
        // which is .NET's IEEE P1363 format.
        var signature = key.SignData(Encoding.ASCII.GetBytes(protectedPart + "." + payloadPart), HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
        return JsonSerializer.Serialize(new FlattenedJws(protectedPart, payloadPart, Base64Url.EncodeToString(signature)), AcmeJson.Default.FlattenedJws);
    }

    /// <summary>True when <paramref name="signature"/> is an ES256 signature of <c>protected.payload</c> by <paramref name="key"/>.</summary>
    public static bool Verify(ECDsa key, string protectedPart, string payloadPart, string signature) =>
        key.VerifyData(Encoding.ASCII.GetBytes(protectedPart + "." + payloadPart), Base64Url.DecodeFromChars(signature), HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
}

/// <summary>A JWS in flattened JSON serialization.</summary>
public sealed record FlattenedJws(string Protected, string Payload, string Signature);
