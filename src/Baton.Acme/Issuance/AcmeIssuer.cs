using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Baton.Acme.Protocol;

namespace Baton.Acme.Issuance;

/// <summary>
/// One issuance from start to finish over an <see cref="AcmeClient"/>, answering http-01 through
/// <see cref="ChallengeResponses"/>. It writes nothing: the caller stores what it returns.
/// </summary>
public sealed class AcmeIssuer(AcmeClient client, ChallengeResponses responses, string? email)
{
    /// <summary>Called with each token once its answer is published, before the server is told (tests watch the moment).</summary>
    public Func<string, CancellationToken, Task>? OnPublished { get; init; }

    /// <summary>
    /// Gets a certificate for <paramref name="names"/>:
    /// 1. the account (created or found; its URL is the <c>kid</c> from then on);
    /// 2. a new order for the names;
    /// 3. per pending authorization: publish the http-01 answer, tell the server, poll until it is
    ///    valid (or fail naming the name and the server's reason); the answer is withdrawn whatever happens;
    /// 4. a new ECDSA P-256 key and a CSR for the names; finalize and poll until valid;
    /// 5. download the PEM chain.
    /// </summary>
    /// <exception cref="AcmeException">One sentence: what failed, for which name, and why.</exception>
    public async Task<IssuedCertificate> IssueAsync(IReadOnlyList<string> names, CancellationToken cancellationToken)
    {
        // Step 1
        await client.AccountAsync(email, cancellationToken);
        // Step 2
        var order = await client.NewOrderAsync(names, cancellationToken);
        // Step 3
        foreach (var url in order.Authorizations)
        {
            var authorization = await client.AuthorizationAsync(url, cancellationToken);
            var name = authorization.Identifier.Value;
            if (authorization.Status == "valid") continue; // the server reuses an earlier validation
            if (authorization.Status != "pending")
                throw new AcmeException($"The ACME server will not validate {name}: its authorization is {authorization.Status}.");
            var challenge = authorization.Challenges.FirstOrDefault(c => c.Type == "http-01" && c.Token is not null)
                ?? throw new AcmeException($"The ACME server offers no http-01 challenge for {name} (offered: {string.Join(", ", authorization.Challenges.Select(c => c.Type))}); Baton answers http-01 only.");
            responses.Publish(challenge.Token!, client.KeyAuthorization(challenge.Token!));
            try
            {
                if (OnPublished is not null) await OnPublished(challenge.Token!, cancellationToken);
                await client.AnswerAsync(challenge, name, cancellationToken);
                var done = await client.WaitForAuthorizationAsync(url, name, cancellationToken);
                if (done.Status != "valid")
                {
                    var problem = done.Challenges.FirstOrDefault(c => c.Url == challenge.Url)?.Error ?? done.Challenges.FirstOrDefault(c => c.Error is not null)?.Error;
                    throw new AcmeException($"The ACME server could not validate {name} with http-01 ({AcmeProblems.Describe(problem)}); check that {name} points at this server and that its port 80 reaches Baton's public listener.", problem);
                }
            }
            finally
            {
                responses.Withdraw(challenge.Token!);
            }
        }
        order = await client.WaitForOrderAsync(order, cancellationToken);
        if (order.Status != "ready")
            throw new AcmeException($"The ACME server did not make the order for {string.Join(", ", names)} ready: it is {order.Status} ({AcmeProblems.Describe(order.Error)}).", order.Error);
        // Step 4
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var csr = Csr(key, names);
        order = await client.FinalizeAsync(order, csr, cancellationToken);
        // Step 5
        var chain = await client.DownloadAsync(order.Certificate!, string.Join(", ", names), cancellationToken);
        if (!chain.Contains("-----BEGIN CERTIFICATE-----", StringComparison.Ordinal))
            throw new AcmeException($"The ACME server sent no PEM certificate for {string.Join(", ", names)}.");
        return new IssuedCertificate(chain, key.ExportPkcs8PrivateKeyPem() + "\n");
    }

    /// <summary>A PKCS#10 request (DER) for the names: the first is the subject's CN, all are in the SAN.</summary>
    internal static byte[] Csr(ECDsa key, IReadOnlyList<string> names)
    {
        var request = new CertificateRequest("CN=" + names[0], key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        foreach (var name in names) san.AddDnsName(name);
        request.CertificateExtensions.Add(san.Build());
        return request.CreateSigningRequest();
    }
}
