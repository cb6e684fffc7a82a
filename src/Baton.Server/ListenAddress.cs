using System.Globalization;
using System.Net;

namespace Baton.Server;

/// <summary>Parses listener addresses: <c>:8080</c> (every interface), <c>127.0.0.1:9000</c>, <c>[::1]:9000</c>, <c>localhost:0</c>.</summary>
public static class ListenAddress
{
    public static bool TryParse(string text, out IPEndPoint endPoint, out string error)
    {
        endPoint = null!;
        error = $"Listen address '{text}' is not [HOST]:PORT (for example :8080 or 127.0.0.1:9000).";
        var s = text.Trim();
        int colon = s.LastIndexOf(':');
        if (colon < 0) return false;
        if (!int.TryParse(s[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port > 65535) return false;
        var host = s[..colon].Trim('[', ']');
        IPAddress address;
        if (host.Length == 0 || host == "*" || host == "0.0.0.0") address = IPAddress.Any;
        else if (host.Equals("localhost", StringComparison.OrdinalIgnoreCase)) address = IPAddress.Loopback;
        else if (!IPAddress.TryParse(host, out address!)) return false;
        endPoint = new IPEndPoint(address, port);
        return true;
    }
}
