namespace Baton.Acme;

/// <summary>How the ACME client waits for the server.</summary>
public sealed record AcmeClientOptions
{
    /// <summary>How long one wait for an authorization or an order to leave <c>pending</c>/<c>processing</c> may take in all.</summary>
    /// <value>The default is 2 minutes.</value>
    public TimeSpan PollTimeout { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>The pause between polls when the server sends no <c>Retry-After</c>; a <c>Retry-After</c> is honoured (within <see cref="PollTimeout"/>).</summary>
    /// <value>The default is 1 s.</value>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>How long one HTTP call to the ACME server may take.</summary>
    /// <value>The default is 30 s.</value>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(30);
}
