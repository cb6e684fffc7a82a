namespace Baton.Acme.Tests.Pebble;

/// <summary>One pebble, its DNS answerer and the http-01 server for a test class.</summary>
public sealed class PebbleFixture : IAsyncLifetime
{
    internal ChallengeServer Challenges { get; private set; } = null!;
    internal PebbleServer Pebble { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Challenges = await ChallengeServer.StartAsync();
        Pebble = await PebbleServer.StartAsync(Challenges.Port);
    }

    public async Task DisposeAsync()
    {
        Pebble?.Dispose();
        if (Challenges is not null) await Challenges.DisposeAsync();
    }
}
