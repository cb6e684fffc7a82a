namespace Baton.Hosts.Ssh;

/// <summary>
/// An app server's SSH host key as Baton recorded it at first contact: its algorithm
/// (<c>ssh-ed25519</c>) and SHA-256 fingerprint as OpenSSH prints it (<c>SHA256:</c> and base64
/// without padding), so <c>ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub</c> on the server shows the same.
/// </summary>
public sealed record HostKeyPin(string Algorithm, string Fingerprint)
{
    /// <summary><c>SHA256:… (ssh-ed25519)</c>.</summary>
    public override string ToString() => $"{Fingerprint} ({Algorithm})";
}
