using System.Net;
using System.Net.Sockets;

namespace Baton.Registry;

/// <summary>
/// Where the registry client may go. A service file names its registry, so a deployer chooses
/// the host Baton's server talks to: the client must not become a way to reach what only the
/// server can reach (cloud metadata, link-local services, Baton's own admin listener), nor hand
/// a stored login to anyone but the host it was stored for.
/// </summary>
public static class RegistryAddresses
{
    /// <summary>
    /// Cloud metadata services outside link-local space: AWS's IPv6 one and Alibaba's. (AWS, GCP
    /// and Azure's 169.254.169.254 is inside 169.254.0.0/16, refused as link-local.)
    /// </summary>
    private static readonly IPAddress[] Metadata = [IPAddress.Parse("fd00:ec2::254"), IPAddress.Parse("100.100.100.200")];

    /// <summary>
    /// A real loopback host: <c>localhost</c>, or an IP address literal on loopback (127.0.0.0/8,
    /// ::1). A name such as <c>127.evil.example</c> is not one, whatever it resolves to.
    /// </summary>
    public static bool IsLoopbackHost(string host)
    {
        var bare = host.StartsWith('[') && host.EndsWith(']') ? host[1..^1] : host;
        if (bare.Equals("localhost", StringComparison.OrdinalIgnoreCase)) return true;
        return IPAddress.TryParse(bare, out var address) && IsDottedOrIpv6(bare) && IPAddress.IsLoopback(address);
    }

    /// <summary>
    /// Addresses the client never connects to, whatever name led there: link-local
    /// (169.254.0.0/16, fe80::/10, so every cloud's metadata address), other known metadata
    /// addresses, and the unspecified address (0.0.0.0 and :: reach the local machine).
    /// </summary>
    public static bool IsForbidden(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6) address = address.MapToIPv4();
        if (address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any)) return true;
        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            var b = address.GetAddressBytes();
            if (b[0] == 169 && b[1] == 254) return true;
        }
        else if (address.IsIPv6LinkLocal)
        {
            return true;
        }
        return Metadata.Contains(address);
    }

    /// <summary>An IP literal written in full (IPAddress.TryParse also takes "127.1" and "2130706433").</summary>
    private static bool IsDottedOrIpv6(string text) => text.Contains(':', StringComparison.Ordinal) || text.Count(c => c == '.') == 3;
}
