using System.Net;
using System.Security.Cryptography;
using Baton.Acme.Protocol;
using Baton.Acme.Tests.Testing;
using static Baton.Acme.Tests.Testing.ScriptedAcmeServer;

namespace Baton.Acme.Tests;

public sealed class AcmeClientTests
{
    private static readonly CancellationToken None = CancellationToken.None;

    private static HttpResponseMessage Created() => Json(HttpStatusCode.Created, """{"status":"valid"}""", location: "https://acme.test/acct/1");

    [Fact]
    public async Task AccountAsync_BadNonceOnce_RetriedWithTheRefusalsNonce_ThenKidAfterwards()
    {
        var server = new ScriptedAcmeServer()
            .On("/account", () => Problem("badNonce", "JWS has an invalid anti-replay nonce"), Created)
            .On("/order", () => Json(HttpStatusCode.Created, """{"status":"pending","identifiers":[{"type":"dns","value":"a.test"}],"authorizations":["https://acme.test/authz/1"],"finalize":"https://acme.test/fin/1"}""", location: "https://acme.test/order/1"));
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var client = new AcmeClient(DirectoryUrl, key, server);

        Assert.Equal("https://acme.test/acct/1", await client.AccountAsync("ops@example.com", None));
        var order = await client.NewOrderAsync(["a.test"], None);

        Assert.Equal(3, server.Posts.Count);
        // The retry carries the nonce the badNonce answer brought (nonce-2), not a stale or reused one.
        Assert.NotEqual(server.Posts[0].Header.GetProperty("nonce").GetString(), server.Posts[1].Header.GetProperty("nonce").GetString());
        Assert.Equal("nonce-2", server.Posts[1].Header.GetProperty("nonce").GetString());
        Assert.True(server.Posts[1].Header.TryGetProperty("jwk", out _));
        // After the account: kid, never jwk.
        Assert.Equal("https://acme.test/acct/1", server.Posts[2].Header.GetProperty("kid").GetString());
        Assert.False(server.Posts[2].Header.TryGetProperty("jwk", out _));
        Assert.Equal(new Uri("https://acme.test/order/1"), order.Url);
    }

    [Fact]
    public async Task AccountAsync_BadNonceTwice_FailsWithOneSentence()
    {
        var server = new ScriptedAcmeServer().On("/account", () => Problem("badNonce", "JWS has an invalid anti-replay nonce"));
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var client = new AcmeClient(DirectoryUrl, key, server);

        var e = await Assert.ThrowsAsync<AcmeException>(() => client.AccountAsync(null, None));
        Assert.Equal("Cannot create the account: the ACME server at https://acme.test/dir refused it (badNonce: JWS has an invalid anti-replay nonce).", e.Message);
        Assert.Equal(2, server.Posts.Count);
    }

    [Fact]
    public async Task WaitForAuthorizationAsync_RetryAfter_IsHonoured()
    {
        const string pending = """{"identifier":{"type":"dns","value":"a.test"},"status":"pending","challenges":[]}""";
        var server = new ScriptedAcmeServer()
            .On("/account", Created)
            .On("/authz/1", () => Json(HttpStatusCode.OK, pending, retryAfter: "3"), () => Json(HttpStatusCode.OK, pending, retryAfter: "7"),
                () => Json(HttpStatusCode.OK, """{"identifier":{"type":"dns","value":"a.test"},"status":"valid","challenges":[]}"""));
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var clock = new InstantClock();
        using var client = new AcmeClient(DirectoryUrl, key, server, time: clock);
        await client.AccountAsync(null, None);

        var authorization = await client.WaitForAuthorizationAsync(new Uri("https://acme.test/authz/1"), "a.test", None);

        Assert.Equal("valid", authorization.Status);
        Assert.Equal([TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(7)], clock.Delays);
    }

    [Fact]
    public async Task WaitForAuthorizationAsync_PendingForever_StopsAtTheBoundWithOneSentence()
    {
        var server = new ScriptedAcmeServer()
            .On("/account", Created)
            .On("/authz/1", () => Json(HttpStatusCode.OK, """{"identifier":{"type":"dns","value":"a.test"},"status":"pending","challenges":[]}""", retryAfter: "3600"));
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var clock = new InstantClock();
        using var client = new AcmeClient(DirectoryUrl, key, server, new AcmeClientOptions { PollTimeout = TimeSpan.FromSeconds(30) }, clock);
        await client.AccountAsync(null, None);

        var e = await Assert.ThrowsAsync<AcmeException>(() => client.WaitForAuthorizationAsync(new Uri("https://acme.test/authz/1"), "a.test", None));

        Assert.Equal("The ACME server did not validate a.test within 30 s (its authorization is still pending).", e.Message);
        // An hour's Retry-After is cut to what is left of the bound, and the total stays within it.
        Assert.Equal([TimeSpan.FromSeconds(30)], clock.Delays);
    }

    [Fact]
    public async Task NewOrderAsync_Refused_NamesTheNamesAndTheServersReason()
    {
        var server = new ScriptedAcmeServer()
            .On("/account", Created)
            .On("/order", () => Problem("rejectedIdentifier", "Invalid underscore in DNS name"));
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var client = new AcmeClient(DirectoryUrl, key, server);
        await client.AccountAsync(null, None);

        var e = await Assert.ThrowsAsync<AcmeException>(() => client.NewOrderAsync(["a_b.test"], None));

        Assert.Equal("Cannot order a certificate for a_b.test: the ACME server at https://acme.test/dir refused it (rejectedIdentifier: Invalid underscore in DNS name).", e.Message);
    }

    [Fact]
    public async Task DirectoryAsync_Unreachable_OneSentence()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var client = new AcmeClient(new Uri("http://127.0.0.1:9/dir"), key);
        var e = await Assert.ThrowsAsync<AcmeException>(() => client.DirectoryAsync(None));
        Assert.StartsWith("Cannot read the directory: the ACME server at http://127.0.0.1:9/dir cannot be reached (", e.Message);
    }
}
