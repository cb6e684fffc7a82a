using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Renci.SshNet;

namespace Baton.Hosts.Ssh;

/// <summary>
/// The key pair Baton logs in to one app server with: ECDSA P-256, made by .NET itself (no
/// ssh-keygen). The private half is PEM (<c>EC PRIVATE KEY</c>, which SSH.NET reads as OpenSSL
/// PEM) and never leaves the controller; the public half is an OpenSSH line for authorized_keys.
/// ECDSA rather than ed25519: .NET has no ed25519, and OpenSSH takes nistp256 everywhere.
/// </summary>
public sealed record SshKeyPair(string PrivateKeyPem, string PublicKey)
{
    public const string Algorithm = "ecdsa-sha2-nistp256";

    /// <summary>A new key pair; <paramref name="comment"/> ends the public line (<c>baton@app1</c>).</summary>
    public static SshKeyPair Create(string comment)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        return new SshKeyPair(key.ExportECPrivateKeyPem(), PublicLine(key.ExportParameters(includePrivateParameters: false), comment));
    }

    /// <summary>The private key as SSH.NET takes it.</summary>
    internal PrivateKeyFile Load()
    {
        using var stream = new MemoryStream(Encoding.ASCII.GetBytes(PrivateKeyPem));
        return new PrivateKeyFile(stream);
    }

    /// <summary>
    /// <c>ecdsa-sha2-nistp256 AAAA… comment</c>: the blob is string "ecdsa-sha2-nistp256", string
    /// "nistp256", string Q (0x04 ‖ X ‖ Y), each with its 4-byte big-endian length (RFC 5656 §3.1).
    /// </summary>
    private static string PublicLine(ECParameters parameters, string comment)
    {
        var point = new byte[1 + parameters.Q.X!.Length + parameters.Q.Y!.Length];
        point[0] = 0x04;
        parameters.Q.X.CopyTo(point, 1);
        parameters.Q.Y.CopyTo(point, 1 + parameters.Q.X.Length);
        using var blob = new MemoryStream();
        WriteString(blob, Encoding.ASCII.GetBytes(Algorithm));
        WriteString(blob, "nistp256"u8);
        WriteString(blob, point);
        return $"{Algorithm} {Convert.ToBase64String(blob.ToArray())} {comment}";
    }

    private static void WriteString(Stream stream, ReadOnlySpan<byte> value)
    {
        Span<byte> length = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(length, value.Length);
        stream.Write(length);
        stream.Write(value);
    }
}
