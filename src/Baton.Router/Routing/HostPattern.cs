namespace Baton.Router.Routing;

/// <summary>A host a service answers on: exact (<c>app.example.com</c>) or a wildcard (<c>*.example.com</c>).</summary>
public readonly record struct HostPattern
{
    private HostPattern(string text, bool wildcard)
    {
        Text = text;
        IsWildcard = wildcard;
    }

    /// <summary>Lower-case host, or for a wildcard the suffix including its leading dot (<c>.example.com</c>).</summary>
    public string Text { get; }
    public bool IsWildcard { get; }

    public override string ToString() => IsWildcard ? "*" + Text : Text;

    public static bool TryParse(string? text, out HostPattern pattern, out string error)
    {
        pattern = default;
        error = "";
        var s = (text ?? "").Trim().ToLowerInvariant();
        bool wildcard = s.StartsWith("*.", StringComparison.Ordinal);
        var name = wildcard ? s[2..] : s;
        if (name.Length == 0 || name.Contains('*') || name.Contains('/') || name.Contains(':') || Uri.CheckHostName(name) == UriHostNameType.Unknown)
        {
            error = $"Host '{text}' is not a host name: write app.example.com, or *.example.com for every subdomain.";
            return false;
        }
        pattern = new HostPattern(wildcard ? "." + name : name, wildcard);
        return true;
    }

    /// <summary>Lower-cases and strips the port of a request's Host header.</summary>
    public static string Normalize(string host)
    {
        int colon = host.LastIndexOf(':');
        if (colon >= 0 && host.IndexOf(']') < colon) host = host[..colon];
        for (int i = 0; i < host.Length; i++)
            if (char.IsAsciiLetterUpper(host[i])) return host.ToLowerInvariant();
        return host;
    }
}
