using System.Net;
using Baton.FunctionalTests.Infrastructure;
using Baton.Server.Auth;

namespace Baton.FunctionalTests.Auth;

/// <summary>
/// Issue 12, point 5: the sign-in throttle through the real API. The attack that slipped through
/// (19 guesses, then a good sign-in to the guesser's own account, three times), counts that
/// survive a restart, and a victim whose password is guessed from elsewhere still signing in
/// from an address that never failed. Clients pick their source address on 127.0.0.0/8.
/// </summary>
public sealed class LoginThrottleTests
{
    private const string OwnPassword = "mallorys-own-password-1";

    private static async Task<HttpStatusCode> SignInAsync(AccessClient client, string user, string password) =>
        (await client.PostAsync("/api/session", $$"""{"user":"{{user}}","password":"{{password}}"}""")).Status;

    [Fact]
    public async Task GuessesBetweenGoodSignInsOfOwnAccount_ThreeRoundsOf19_Throttled429()
    {
        await using var host = await RouterHost.StartAsync();
        using (var admin = AccessClient.WithToken(host.AdminUri, host.Token)) await admin.AddUserAsync("mallory", "viewer", OwnPassword);
        using var attacker = AccessClient.Anonymous(host.AdminUri);

        var guesses = new List<HttpStatusCode>();
        var own = new List<HttpStatusCode>();
        for (int round = 0; round < 3; round++)
        {
            for (int i = 0; i < 19; i++) guesses.Add(await SignInAsync(attacker, $"user{round}-{i}", "guess-password-123"));
            own.Add(await SignInAsync(attacker, "mallory", OwnPassword));
        }

        // The address's 20 free failures, then every sign-in from it waits: the good ones too.
        Assert.Equal(Enumerable.Repeat(HttpStatusCode.Unauthorized, 20), guesses.Take(20));
        Assert.Equal(Enumerable.Repeat((HttpStatusCode)429, 37), guesses.Skip(20));
        Assert.Equal([HttpStatusCode.OK, (HttpStatusCode)429, (HttpStatusCode)429], own);
    }

    [Fact]
    public async Task Restart_CountsKept_StillThrottled()
    {
        var data = RouterHost.NewDataDirectory();
        try
        {
            static Func<Baton.Server.ServerOptions, Baton.Server.ServerOptions> Slow() => o => o with { LoginThrottle = new LoginThrottleOptions { FirstDelay = TimeSpan.FromMinutes(10) } };
            string password;
            await using (var first = await RouterHost.StartAsync(data, Slow()))
            {
                password = first.Server.CreatedPassword!;
                using var client = AccessClient.Anonymous(first.AdminUri);
                for (int i = 0; i < 20; i++) Assert.Equal(HttpStatusCode.Unauthorized, await SignInAsync(client, $"user{i}", "guess-password-123"));
                Assert.Equal((HttpStatusCode)429, await SignInAsync(client, "admin", password));
            }

            await using var second = await RouterHost.StartAsync(data, Slow());
            using var again = AccessClient.Anonymous(second.AdminUri);
            var (status, body, response) = await again.PostAsync("/api/session", $$"""{"user":"admin","password":"{{password}}"}""");
            Assert.Equal((HttpStatusCode)429, status);
            Assert.Contains("Too many failed sign-ins", body);
            Assert.InRange(response.Headers.RetryAfter!.Delta!.Value, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(10));
        }
        finally
        {
            Directory.Delete(data, recursive: true);
        }
    }

    [Fact]
    public async Task VictimsPasswordGuessedFromElsewhere_VictimSignsInFromCleanAddress()
    {
        await using var host = await RouterHost.StartAsync();
        using (var admin = AccessClient.WithToken(host.AdminUri, host.Token)) await admin.AddUserAsync("victim", "deployer", "victims-real-password-1");
        using var attacker = AccessClient.Anonymous(host.AdminUri, IPAddress.Parse("127.0.0.2"));
        using var victim = AccessClient.Anonymous(host.AdminUri, IPAddress.Parse("127.0.0.3"));

        var guesses = new List<HttpStatusCode>();
        for (int i = 0; i < 10; i++) guesses.Add(await SignInAsync(attacker, "victim", $"guess-password-{i:000}"));

        // The user's 5 free failures, then the guesser waits for that user...
        Assert.Equal(Enumerable.Repeat(HttpStatusCode.Unauthorized, 5).Concat(Enumerable.Repeat((HttpStatusCode)429, 5)), guesses);
        // ...while the victim, from an address that never failed, signs in.
        Assert.Equal(HttpStatusCode.OK, await SignInAsync(victim, "victim", "victims-real-password-1"));
        // The guesser's address may still sign in others (its own count is 5 of 20).
        Assert.Equal(HttpStatusCode.Unauthorized, await SignInAsync(attacker, "someone-else", "guess-password-123"));

        using var audit = AccessClient.WithToken(host.AdminUri, host.Token);
        var entries = (await audit.GetAsync("/api/audit?limit=20")).Body;
        Assert.Contains("\"actor\":\"victim\",\"action\":\"login\",\"outcome\":\"succeeded\",\"detail\":\"from 127.0.0.3\"", entries);
        Assert.Contains("throttled after repeated failures, from 127.0.0.2", entries);
    }
}
