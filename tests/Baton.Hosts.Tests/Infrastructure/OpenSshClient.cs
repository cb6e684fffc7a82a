namespace Baton.Hosts.Tests.Infrastructure;

/// <summary>
/// OpenSSH's own client (ssh, ssh-keygen) with a key pair of its own in a temporary folder: the
/// reference the tests hold the lab's sshds (and later Baton's SSH client) against.
/// </summary>
public sealed class OpenSshClient : IDisposable
{
    private OpenSshClient(string folder, string publicKey)
    {
        Folder = folder;
        PublicKey = publicKey;
    }

    public string Folder { get; }

    /// <summary>The private key file (ed25519, no passphrase).</summary>
    public string KeyPath => Path.Combine(Folder, "id_ed25519");

    /// <summary><c>ssh-ed25519 AAAA… comment</c>.</summary>
    public string PublicKey { get; }

    /// <summary>The known_hosts file <see cref="RunAsync"/> checks host keys against (strictly).</summary>
    public string KnownHostsPath => Path.Combine(Folder, "known_hosts");

    public static async Task<OpenSshClient> CreateAsync(string comment = "baton-test")
    {
        var folder = Directory.CreateTempSubdirectory("bt-ssh-").FullName;
        var key = Path.Combine(folder, "id_ed25519");
        (await LabShell.RunAsync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", comment, "-f", key], TimeSpan.FromSeconds(30)))
            .ThrowIfFailed("ssh-keygen");
        await File.WriteAllTextAsync(Path.Combine(folder, "known_hosts"), "");
        return new OpenSshClient(folder, (await File.ReadAllTextAsync(key + ".pub")).Trim());
    }

    /// <summary>An authorized_keys line binding this key to one command: <c>command="…",restrict KEY</c>.</summary>
    public string ForcedCommandLine(string command) =>
        $"command=\"{command.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal)}\",restrict {PublicKey}";

    public Task TrustAsync(LabHost host) =>
        File.AppendAllTextAsync(KnownHostsPath, (host.KnownHostsLine ?? throw new InvalidOperationException($"{host.Name} has no sshd.")) + "\n");

    /// <summary>
    /// <c>ssh -i KEY root@ADDRESS COMMAND</c> from the root namespace: batch mode, this key only, host keys
    /// checked strictly against <see cref="KnownHostsPath"/>.
    /// </summary>
    public Task<ShellResult> RunAsync(LabHost host, string? command = null, string user = "root", string? standardInput = null)
    {
        List<string> arguments =
        [
            "-i", KeyPath, "-F", "none",
            "-o", "IdentitiesOnly=yes", "-o", "BatchMode=yes", "-o", "ConnectTimeout=5",
            "-o", "StrictHostKeyChecking=yes", "-o", $"UserKnownHostsFile={KnownHostsPath}", "-o", "GlobalKnownHostsFile=/dev/null",
            "-p", host.SshPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            $"{user}@{host.Address}",
        ];
        if (command is not null) arguments.Add(command);
        return LabShell.RunAsync("ssh", arguments, TimeSpan.FromSeconds(30), CancellationToken.None, standardInput);
    }

    public void Dispose()
    {
        try { Directory.Delete(Folder, recursive: true); } catch (IOException) { }
    }
}
