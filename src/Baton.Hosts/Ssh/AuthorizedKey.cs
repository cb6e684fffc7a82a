namespace Baton.Hosts.Ssh;

/// <summary>
/// The authorized_keys line an app server needs for Baton: its key bound to one program
/// (<c>command="…"</c>) with <c>restrict</c> (no pty, no forwarding of any kind, no agent, no X11,
/// no ~/.ssh/rc), so a stolen key can run that program and nothing else.
/// </summary>
public static class AuthorizedKey
{
    /// <summary>What the forced command is unless the host is added with another.</summary>
    public const string DefaultCommand = "baton host --config /etc/baton/host.yml";

    /// <summary><c>command="baton host --config /etc/baton/host.yml",restrict ecdsa-sha2-nistp256 AAAA… baton@app1</c>.</summary>
    public static string Line(string command, string publicKey) => $"command=\"{command}\",restrict {publicKey}";

    /// <summary>
    /// A forced command goes between double quotes in authorized_keys; one that holds a quote, a
    /// backslash or a control character would need escapes sshd reads differently from a shell,
    /// so it is refused with one sentence rather than written wrong.
    /// </summary>
    public static bool IsValidCommand(string? command, out string error)
    {
        error = "";
        if (string.IsNullOrWhiteSpace(command))
        {
            error = "The forced command is empty; leave it out for the default, " + DefaultCommand + ".";
            return false;
        }
        if (command.Length > 500)
        {
            error = "The forced command is longer than 500 characters.";
            return false;
        }
        if (command.Any(c => c is '"' or '\\' || char.IsControl(c) || c > '~'))
        {
            error = "The forced command may not hold double quotes, backslashes, control or non-ASCII characters (it goes between quotes in authorized_keys).";
            return false;
        }
        if (command != command.Trim())
        {
            error = "The forced command starts or ends with a space.";
            return false;
        }
        return true;
    }
}
