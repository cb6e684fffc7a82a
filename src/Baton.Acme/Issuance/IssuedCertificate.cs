using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Baton.Acme.Issuance;

/// <summary>A certificate chain (PEM, leaf first) and its private key (PEM, PKCS#8), as stored and served.</summary>
public sealed record IssuedCertificate(string ChainPem, string KeyPem)
{
    /// <summary>Key and chain in one text: the one file the store writes (key first).</summary>
    public string ToPem() => KeyPem.TrimEnd() + "\n" + ChainPem.TrimEnd() + "\n";

    /// <summary>Reads what <see cref="ToPem"/> wrote.</summary>
    /// <exception cref="CryptographicException">No certificate, or no key, in the text.</exception>
    public static IssuedCertificate FromPem(string pem)
    {
        var key = "";
        var chain = new System.Text.StringBuilder();
        foreach (var block in PemBlocks(pem))
        {
            if (block.Label.EndsWith("PRIVATE KEY", StringComparison.Ordinal)) key = block.Text;
            else if (block.Label == "CERTIFICATE") chain.Append(block.Text).Append('\n');
        }
        if (key.Length == 0 || chain.Length == 0) throw new CryptographicException("the file holds no certificate with its private key");
        return new IssuedCertificate(chain.ToString(), key + "\n");
    }

    /// <summary>The leaf with its key, usable by Kestrel for TLS, and the chain's intermediates.</summary>
    public X509Certificate2 ToCertificate()
    {
        using var pem = X509Certificate2.CreateFromPem(ChainPem, KeyPem);
        // Kestrel needs the key in a form it can use for TLS on every platform.
        return X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
    }

    /// <summary>The certificates after the leaf (the chain Kestrel sends with it).</summary>
    public X509Certificate2Collection Intermediates()
    {
        var all = new X509Certificate2Collection();
        all.ImportFromPem(ChainPem);
        if (all.Count > 0) all.RemoveAt(0);
        return all;
    }

    private static IEnumerable<(string Label, string Text)> PemBlocks(string pem)
    {
        int at = 0;
        while (true)
        {
            var begin = pem.IndexOf("-----BEGIN ", at, StringComparison.Ordinal);
            if (begin < 0) yield break;
            var labelEnd = pem.IndexOf("-----", begin + 11, StringComparison.Ordinal);
            if (labelEnd < 0) yield break;
            var label = pem[(begin + 11)..labelEnd];
            var endMarker = "-----END " + label + "-----";
            var end = pem.IndexOf(endMarker, labelEnd, StringComparison.Ordinal);
            if (end < 0) yield break;
            yield return (label, pem[begin..(end + endMarker.Length)]);
            at = end + endMarker.Length;
        }
    }
}
