namespace Baton.Acme.Renewal;

/// <summary>Where certificates come from and when they are renewed.</summary>
public sealed record CertificateOptions
{
    /// <summary>Let's Encrypt's production directory.</summary>
    public static readonly Uri LetsEncrypt = new("https://acme-v02.api.letsencrypt.org/directory");

    /// <summary>The ACME directory URL (<c>--acme-directory</c>).</summary>
    /// <value>The default is Let's Encrypt's production directory.</value>
    public Uri Directory { get; init; } = LetsEncrypt;

    /// <summary>The account's contact (<c>--acme-email</c>); the CA writes there about expiring certificates and policy changes.</summary>
    public string? Email { get; init; }

    /// <summary>A certificate is renewed once it has this little time left.</summary>
    /// <value>The default is 30 days.</value>
    public TimeSpan RenewBefore { get; init; } = TimeSpan.FromDays(30);

    /// <summary>The pause after a failed issuance; it doubles with each failure in a row, up to <see cref="MaxRetry"/>.</summary>
    /// <value>The default is 1 minute.</value>
    public TimeSpan FirstRetry { get; init; } = TimeSpan.FromMinutes(1);

    /// <value>The default is 6 hours.</value>
    public TimeSpan MaxRetry { get; init; } = TimeSpan.FromHours(6);

    /// <summary>The longest sleep of the renewal loop between looks at the due dates.</summary>
    /// <value>The default is 1 hour.</value>
    public TimeSpan CheckInterval { get; init; } = TimeSpan.FromHours(1);
}
