using Baton.Hosts.Ssh;

namespace Baton.Hosts.Store;

/// <summary>
/// An app server as the controller knows it: how to reach it, the forced command its key is bound
/// to, the key pair made for it (the private half never leaves the controller), and its host key
/// once pinned (null until the first contact that got as far as the key exchange). A drained host
/// (<c>baton host drain</c>) serves no traffic and gets no new containers until it is resumed.
/// </summary>
public sealed record StoredHost(string Name, SshTarget Ssh, string Command, SshKeyPair Key, HostKeyPin? HostKey, DateTimeOffset Added, bool Drained = false)
{
    /// <summary>The line for <c>~USER/.ssh/authorized_keys</c> on the server.</summary>
    public string AuthorizedKeysLine => AuthorizedKey.Line(Command, Key.PublicKey);
}
