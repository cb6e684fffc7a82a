namespace Baton.Hosts.Ssh;

/// <summary>How Baton talks SSH to app servers.</summary>
public sealed class SshTransportOptions
{
    /// <summary>How long a connection may take, TCP connect, key exchange and login together.</summary>
    /// <value>The default is 10 s.</value>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How often an idle connection is kept alive (and a dead one noticed).</summary>
    /// <value>The default is 30 s.</value>
    public TimeSpan KeepAliveInterval { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// The command each channel asks for. The key's forced command replaces it on the server
    /// (sshd hands it over in <c>SSH_ORIGINAL_COMMAND</c>), so it only names the caller.
    /// </summary>
    /// <value>The default is <c>baton-host</c>.</value>
    public string CommandText { get; init; } = "baton-host";
}
