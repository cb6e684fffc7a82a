namespace Baton.Hosts.Ssh;

/// <summary>How one attempt to log in to an app server ended.</summary>
public enum SshContactOutcome
{
    /// <summary>Its host key was the pinned one (or recorded, at first contact) and it accepted Baton's key.</summary>
    Connected,
    /// <summary>The host key checked out, but the server refused Baton's key: authorized_keys lacks the line.</summary>
    KeyRefused,
    /// <summary>The server presented another host key than the pinned one; nothing was sent.</summary>
    HostKeyChanged,
    /// <summary>No SSH conversation: refused, timed out, no route, not an SSH server.</summary>
    Unreachable,
}

/// <summary>
/// The result of a contact: the host key the server presented (null when it got that far), the
/// outcome, and for anything but <see cref="SshContactOutcome.Connected"/> one sentence naming the
/// server and what to do.
/// </summary>
public sealed record SshContact(SshContactOutcome Outcome, HostKeyPin? HostKey, string? Problem)
{
    public bool Connected => Outcome == SshContactOutcome.Connected;
}
