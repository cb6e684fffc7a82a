using System.Net;

namespace Baton.Server;

/// <summary>
/// Where the admin listener may bind: it carries passwords, tokens and session cookies, so on
/// anything but loopback it needs TLS, unless the user says in so many words that the network
/// is theirs (<c>--admin-insecure</c>).
/// </summary>
public static class AdminListenerPolicy
{
    /// <summary>
    /// Null when the admin listener may bind to <paramref name="endPoint"/>, else one sentence for
    /// <c>ServerStartException</c>, given whether an admin certificate was given and whether
    /// <c>--admin-insecure</c> was.
    /// </summary>
    public static string? Refusal(IPEndPoint endPoint, bool tls, bool allowInsecure)
    {
        if (tls || allowInsecure || IPAddress.IsLoopback(endPoint.Address)) return null;
        var where = endPoint.Address.Equals(IPAddress.Any) || endPoint.Address.Equals(IPAddress.IPv6Any) ? "every interface" : endPoint.Address.ToString();
        return $"The admin listener would answer on {where} ({endPoint}) without TLS, so passwords and tokens would cross the network in clear; give it a certificate (--admin-tls-cert, --admin-tls-key), bind it to 127.0.0.1, or pass --admin-insecure if that network is yours alone.";
    }
}
