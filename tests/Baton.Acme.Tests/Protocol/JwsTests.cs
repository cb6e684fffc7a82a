using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Baton.Acme.Protocol;

namespace Baton.Acme.Tests.Protocol;

public sealed class JwsTests
{
    // RFC 7515 Appendix A.3: the ES256 example key and the JWS it signed.
    private const string X = "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU";
    private const string Y = "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0";
    private const string D = "jpsQnnGQmL-YBIffH1136cspYG6-0iY7X1fCE9-E9LI";
    private const string ExampleProtected = "eyJhbGciOiJFUzI1NiJ9";
    private const string ExamplePayload = "eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ";
    private const string ExampleSignature = "DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSApmWQxfKTUJqPP3-Kg6NU1Q";

    private static ECDsa Rfc7515Key() => ECDsa.Create(new ECParameters
    {
        Curve = ECCurve.NamedCurves.nistP256,
        Q = new ECPoint { X = Base64Url.DecodeFromChars(X), Y = Base64Url.DecodeFromChars(Y) },
        D = Base64Url.DecodeFromChars(D),
    });

    [Fact]
    public void Verify_Rfc7515AppendixA3_AcceptsTheRfcsSignature()
    {
        using var key = Rfc7515Key();
        // The RFC's header and payload decode to what it prints, and its signature checks out with our signing input and R||S form.
        Assert.Equal("{\"alg\":\"ES256\"}", Encoding.UTF8.GetString(Base64Url.DecodeFromChars(ExampleProtected)));
        Assert.True(Jws.Verify(key, ExampleProtected, ExamplePayload, ExampleSignature));
        Assert.False(Jws.Verify(key, ExampleProtected, ExamplePayload + "A", ExampleSignature));
    }

    [Fact]
    public void Thumbprint_Rfc7638Section3_1Example_Matches()
    {
        // RFC 7638 section 3.1: the RSA key of RFC 7517 Appendix A.1 and its SHA-256 thumbprint.
        const string n = "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw";
        var canonical = Jwk.Canonical([("kty", "RSA"), ("n", n), ("e", "AQAB")]);
        Assert.Equal("{\"e\":\"AQAB\",\"kty\":\"RSA\",\"n\":\"" + n + "\"}", canonical);
        Assert.Equal("NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs", Jwk.Thumbprint(canonical));
    }

    [Fact]
    public void Of_Rfc7515Key_IsTheCanonicalEcJwk()
    {
        using var key = Rfc7515Key();
        Assert.Equal($"{{\"crv\":\"P-256\",\"kty\":\"EC\",\"x\":\"{X}\",\"y\":\"{Y}\"}}", Jwk.Of(key));
        // The thumbprint is SHA-256 of exactly those bytes (checked here without Jwk.Thumbprint).
        var expected = Base64Url.EncodeToString(SHA256.HashData(Encoding.UTF8.GetBytes($"{{\"crv\":\"P-256\",\"kty\":\"EC\",\"x\":\"{X}\",\"y\":\"{Y}\"}}")));
        Assert.Equal("token-1." + expected, Jwk.KeyAuthorization("token-1", key));
    }

    [Fact]
    public void Of_NotP256_IsRefused()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP384);
        Assert.Throws<ArgumentException>(() => Jwk.Of(key));
    }

    [Fact]
    public void Sign_NewAccount_HeaderHasAlgNonceUrlAndJwk_SignatureVerifies()
    {
        using var key = Rfc7515Key();
        var body = JsonDocument.Parse(Jws.Sign(key, "nonce-1", new Uri("https://acme.test/new-account"), kid: null, "{\"termsOfServiceAgreed\":true}")).RootElement;
        var header = JsonDocument.Parse(Base64Url.DecodeFromChars(body.GetProperty("protected").GetString()!)).RootElement;
        Assert.Equal("ES256", header.GetProperty("alg").GetString());
        Assert.Equal("nonce-1", header.GetProperty("nonce").GetString());
        Assert.Equal("https://acme.test/new-account", header.GetProperty("url").GetString());
        Assert.Equal(X, header.GetProperty("jwk").GetProperty("x").GetString());
        Assert.False(header.TryGetProperty("kid", out _));
        Assert.Equal("{\"termsOfServiceAgreed\":true}", Encoding.UTF8.GetString(Base64Url.DecodeFromChars(body.GetProperty("payload").GetString()!)));
        Assert.True(Jws.Verify(key, body.GetProperty("protected").GetString()!, body.GetProperty("payload").GetString()!, body.GetProperty("signature").GetString()!));
    }

    [Fact]
    public void Sign_WithKidAndNoPayload_HasKidNotJwk_EmptyPayload()
    {
        using var key = Rfc7515Key();
        var body = JsonDocument.Parse(Jws.Sign(key, "n", new Uri("https://acme.test/order/1"), "https://acme.test/acct/7", payload: null)).RootElement;
        var header = JsonDocument.Parse(Base64Url.DecodeFromChars(body.GetProperty("protected").GetString()!)).RootElement;
        Assert.Equal("https://acme.test/acct/7", header.GetProperty("kid").GetString());
        Assert.False(header.TryGetProperty("jwk", out _));
        Assert.Equal("", body.GetProperty("payload").GetString());
        Assert.Equal(64, Base64Url.DecodeFromChars(body.GetProperty("signature").GetString()!).Length);
    }

    [Fact]
    public void Describe_ProblemWithSubproblems_OneLineWithTypeDetailAndNames()
    {
        var problem = new AcmeProblem(AcmeProblems.Prefix + "rejectedIdentifier", "Error creating new order.", 400,
            [new AcmeSubproblem(AcmeProblems.Prefix + "rejectedIdentifier", "Invalid underscore in DNS name", new AcmeIdentifier("dns", "a_b.example.com"))]);
        Assert.Equal("rejectedIdentifier: Error creating new order; a_b.example.com: rejectedIdentifier: Invalid underscore in DNS name", AcmeProblems.Describe(problem));
    }
}
