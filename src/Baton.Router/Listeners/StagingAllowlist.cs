using System.Net;

namespace Baton.Router.Listeners;

/// <summary>
/// The client networks the staging listener serves (<c>--staging-allow CIDR[,CIDR…]</c>). Judged by
/// the address of the connection itself, never by a header such as X-Forwarded-For, which any
/// client can write.
/// </summary>
public sealed class StagingAllowlist
{
    private readonly IPNetwork[] _networks;

    private StagingAllowlist(IPNetwork[] networks, string text)
    {
        _networks = networks;
        Text = text;
    }

    /// <summary>127.0.0.0/8 and ::1: the default for a staging listener on a loopback address.</summary>
    public static readonly StagingAllowlist Loopback = new([IPNetwork.Parse("127.0.0.0/8"), IPNetwork.Parse("::1/128")], "loopback");

    /// <summary>The networks as the user gave them (or <c>loopback</c>), for messages.</summary>
    public string Text { get; }

    /// <summary>Parses <c>10.1.0.0/16,192.168.5.7</c> (a bare address is one host).</summary>
    public static StagingAllowlist? TryParse(string text, out string error)
    {
        error = "";
        var networks = new List<IPNetwork>();
        foreach (var part in text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            if (IPNetwork.TryParse(part, out var network)) networks.Add(network);
            else if (IPAddress.TryParse(part, out var address)) networks.Add(new IPNetwork(address, address.GetAddressBytes().Length * 8));
            else
            {
                error = $"'{part}' in --staging-allow is not a network: write CIDR blocks separated by commas, e.g. 10.0.0.0/8,192.168.1.7.";
                return null;
            }
        }
        if (networks.Count == 0)
        {
            error = "--staging-allow names no network: give CIDR blocks separated by commas, e.g. 10.0.0.0/8.";
            return null;
        }
        return new StagingAllowlist([.. networks], string.Join(",", networks));
    }

    public bool Allows(IPAddress? client)
    {
        if (client is null) return false;
        // A dual-stack socket reports IPv4 clients as ::ffff:a.b.c.d.
        if (client.IsIPv4MappedToIPv6) client = client.MapToIPv4();
        foreach (var network in _networks)
            if (network.Contains(client)) return true;
        return false;
    }
}
