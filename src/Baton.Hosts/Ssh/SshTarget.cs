using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Baton.Hosts.Ssh;

/// <summary>
/// Where an app server's sshd answers and as whom Baton logs in: <c>USER@ADDRESS[:PORT]</c>,
/// parsed strictly (an IPv6 address in brackets, <c>[fd00::2]:2222</c>).
/// </summary>
public sealed record SshTarget(string User, string Address, int Port)
{
    public const int DefaultPort = 22;

    /// <summary>Parses <c>deploy@10.200.0.2</c>, <c>deploy@app1.example.com:2222</c>, <c>deploy@[fd00::2]</c>; else one sentence.</summary>
    public static bool TryParse(string? text, [NotNullWhen(true)] out SshTarget? target, out string error)
    {
        target = null;
        error = "";
        const string form = "give it as USER@ADDRESS or USER@ADDRESS:PORT, for example deploy@10.200.0.2";
        if (string.IsNullOrWhiteSpace(text))
        {
            error = $"The SSH target is empty; {form}.";
            return false;
        }
        int at = text.IndexOf('@', StringComparison.Ordinal);
        if (at <= 0 || at != text.LastIndexOf('@'))
        {
            error = $"The SSH target '{text}' needs exactly one user name before an @; {form}.";
            return false;
        }
        var user = text[..at];
        if (!IsUserName(user))
        {
            error = $"'{user}' is not a user name Baton logs in as (lower-case letters, digits, '_', '-' and '.', starting with a letter or '_', at most 32 characters).";
            return false;
        }
        if (!TrySplitHostPort(text[(at + 1)..], out var address, out var port, out error)) return false;
        target = new SshTarget(user, address, port);
        return true;
    }

    /// <summary><c>deploy@10.200.0.2:22</c>, <c>deploy@[fd00::2]:22</c>: what the user gave, with the port always written.</summary>
    public override string ToString() => $"{User}@{HostForUri}:{Port.ToString(CultureInfo.InvariantCulture)}";

    private string HostForUri => Address.Contains(':', StringComparison.Ordinal) ? $"[{Address}]" : Address;

    private static bool IsUserName(string user) =>
        user.Length is > 0 and <= 32
        && (char.IsAsciiLetterLower(user[0]) || user[0] == '_')
        && user.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '_' or '-' or '.');

    private static bool TrySplitHostPort(string rest, out string address, out int port, out string error)
    {
        address = "";
        port = DefaultPort;
        error = "";
        string host;
        string? portText = null;
        if (rest.StartsWith('['))
        {
            int close = rest.IndexOf(']', StringComparison.Ordinal);
            if (close < 0 || !IPAddress.TryParse(rest[1..close], out var v6) || v6.AddressFamily != AddressFamily.InterNetworkV6)
            {
                error = $"'{rest}' is not an IPv6 address in brackets such as [fd00::2] or [fd00::2]:2222.";
                return false;
            }
            host = v6.ToString();
            var after = rest[(close + 1)..];
            if (after.Length > 0)
            {
                if (after[0] != ':')
                {
                    error = $"'{rest}' has something after the IPv6 address that is not :PORT.";
                    return false;
                }
                portText = after[1..];
            }
        }
        else
        {
            int colon = rest.IndexOf(':', StringComparison.Ordinal);
            if (colon >= 0 && colon != rest.LastIndexOf(':'))
            {
                error = $"'{rest}' looks like an IPv6 address; write it in brackets, as [fd00::2] or [fd00::2]:2222.";
                return false;
            }
            host = colon < 0 ? rest : rest[..colon];
            if (colon >= 0) portText = rest[(colon + 1)..];
            if (!IsIPv4(host) && !IsHostName(host))
            {
                error = $"'{host}' is neither an IPv4 address nor a host name (letters, digits and '-' in dot-separated labels).";
                return false;
            }
            if (IPAddress.TryParse(host, out var v4)) host = v4.ToString();
        }
        if (portText is not null
            && (portText.Length is 0 or > 5 || !portText.All(char.IsAsciiDigit) || !int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out port) || port is < 1 or > 65535))
        {
            error = $"'{portText}' is not a port (1 to 65535).";
            return false;
        }
        address = host;
        return true;
    }

    private static bool IsIPv4(string host)
    {
        var parts = host.Split('.');
        return parts.Length == 4 && parts.All(p => p.Length is > 0 and <= 3 && p.All(char.IsAsciiDigit) && int.Parse(p, CultureInfo.InvariantCulture) <= 255);
    }

    private static bool IsHostName(string host)
    {
        if (host.Length is 0 or > 253) return false;
        var labels = host.Split('.');
        // All digits and dots but not four numbers: a mistyped address (10.200.0), not a name.
        if (labels.All(l => l.All(char.IsAsciiDigit))) return false;
        return labels.All(l => l.Length is > 0 and <= 63 && l[0] != '-' && l[^1] != '-' && l.All(c => char.IsAsciiLetterOrDigit(c) || c == '-'));
    }
}
