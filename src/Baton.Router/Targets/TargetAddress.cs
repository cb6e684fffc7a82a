using System.Globalization;
using System.Net;

namespace Baton.Router.Targets;

/// <summary>A target endpoint written <c>host:port</c> (IPv6 in brackets).</summary>
public readonly record struct TargetAddress(string Host, int Port)
{
    public override string ToString() => Host.Contains(':') ? $"[{Host}]:{Port}" : $"{Host}:{Port}";

    public static bool TryParse(string? text, out TargetAddress address, out string error)
    {
        address = default;
        error = "";
        var s = text?.Trim() ?? "";
        int colon = s.LastIndexOf(':');
        if (s.Length == 0 || colon <= 0 || colon == s.Length - 1)
        {
            error = $"Target '{text}' is not HOST:PORT (for example 127.0.0.1:5001).";
            return false;
        }
        var host = s[..colon];
        if (host.StartsWith('[') && host.EndsWith(']')) host = host[1..^1];
        else if (host.Contains(':'))
        {
            error = $"Target '{text}' is not HOST:PORT: write an IPv6 address in brackets, like [::1]:5001.";
            return false;
        }
        if (!int.TryParse(s[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535)
        {
            error = $"Target '{text}' has no valid port: it must be a number from 1 to 65535.";
            return false;
        }
        if (!IPAddress.TryParse(host, out _) && Uri.CheckHostName(host) != UriHostNameType.Dns)
        {
            error = $"Target '{text}' does not name a valid host.";
            return false;
        }
        address = new TargetAddress(host.ToLowerInvariant(), port);
        return true;
    }
}
