namespace Baton.Hosts.Store;

/// <summary>
/// How <see cref="HostStore"/> keeps the hosts' private keys at rest: sealed with the data directory's own key
/// (the controller's <c>secrets.key</c>, which seals the service definitions too), so that <c>hosts.json</c>,
/// <c>routers.json</c> and every copy of them hold no private key in clear.
/// </summary>
public interface IPrivateKeySeal
{
    /// <summary>The text as it is stored.</summary>
    string Seal(string clear);

    /// <summary>The clear text of <paramref name="stored"/>; a text stored before sealing comes back as it is.</summary>
    /// <exception cref="InvalidDataException">It was sealed with another key, or is damaged.</exception>
    string Open(string stored);

    /// <summary>Whether <paramref name="stored"/> is sealed (a file written before sealing holds clear keys).</summary>
    bool IsSealed(string stored);
}
