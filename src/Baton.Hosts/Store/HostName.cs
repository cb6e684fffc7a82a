namespace Baton.Hosts.Store;

/// <summary>An app server's name in Baton: a DNS label (it shows in sentences, key comments and, later, service files).</summary>
public static class HostName
{
    public static bool IsValid(string? name, out string error)
    {
        error = "";
        if (name is { Length: > 0 and <= 63 }
            && char.IsAsciiLetterLower(name[0]) && name[^1] != '-'
            && name.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '-'))
            return true;
        error = $"'{name}' is not a host name Baton takes: 1 to 63 lower-case letters, digits and '-', starting with a letter and not ending with '-' (app1, web-2).";
        return false;
    }
}
