namespace Baton.Contracts;

/// <summary><c>POST /api/hosts</c>: an app server to reach over SSH; <c>command</c> defaults to <c>baton host --config /etc/baton/host.yml</c>.</summary>
public sealed record HostAddRequest(string? Name, string? Ssh, string? Command = null);

/// <summary>
/// An app server as the API shows it: never its private key. <c>authorizedKeysLine</c> is what goes
/// in <c>~USER/.ssh/authorized_keys</c> on it; <c>hostKey</c> is null until first contact pinned it;
/// <c>drained</c> is true from <c>baton host drain</c> to <c>baton host resume</c>.
/// </summary>
public sealed record HostView(string Name, string Ssh, string Command, string AuthorizedKeysLine, HostKeyView? HostKey, DateTimeOffset Added, bool Drained = false);

/// <summary>A pinned SSH host key: its algorithm and its fingerprint as OpenSSH prints it (<c>SHA256:…</c>).</summary>
public sealed record HostKeyView(string Algorithm, string Fingerprint);

/// <summary><c>GET /api/hosts</c>.</summary>
public sealed record HostsResponse(IReadOnlyList<HostView> Hosts);

/// <summary>
/// How contacting a host went: <c>outcome</c> is one of <see cref="HostOutcomes"/>; <c>problem</c> is
/// the sentence for anything but ok; <c>pinned</c> is true when this call recorded the host key;
/// <c>agent</c> is what the host's <c>baton host</c> program answered to a ping.
/// </summary>
public sealed record HostContactView(string Outcome, string? Problem, bool Pinned, HostAgentView? Agent);

/// <summary>What a host's agent says of itself: its name, its engine, what its config allows.</summary>
public sealed record HostAgentView(string Name, string EngineVersion, string Address, IReadOnlyList<string> Services, IReadOnlyList<string> Images);

/// <summary>The answer of add, check and repin: the host and how contacting it went.</summary>
public sealed record HostContactResponse(HostView Host, HostContactView Contact);

/// <summary>The outcomes of a contact with a host.</summary>
public static class HostOutcomes
{
    /// <summary>Logged in, and the host's program answered a ping.</summary>
    public const string Ok = "ok";
    /// <summary>Logged in, but the program behind the forced command did not answer a ping as Baton's agent.</summary>
    public const string AgentFailed = "agent-failed";
    /// <summary>The host key checked out, but the server refused Baton's key (authorized_keys lacks the line).</summary>
    public const string KeyRefused = "key-refused";
    /// <summary>The server presented another host key than the pinned one; nothing was sent.</summary>
    public const string HostKeyChanged = "host-key-changed";
    /// <summary>No SSH conversation at all.</summary>
    public const string Unreachable = "unreachable";
}
