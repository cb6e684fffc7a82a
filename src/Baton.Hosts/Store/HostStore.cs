using System.Text.Json;
using System.Text.Json.Serialization;
using Baton.Hosts.Ssh;

namespace Baton.Hosts.Store;

/// <summary>
/// The app servers the controller reaches, kept in <c>&lt;data&gt;/hosts.json</c>: owner-only (mode
/// 600) like every file in the data directory, replaced atomically (written beside, then renamed),
/// so a crash never leaves half a file. It holds each host's private key sealed (<see cref="IPrivateKeySeal"/>,
/// with the data directory's <c>secrets.key</c>); SSH gets it in clear in memory only, and nothing outside the
/// controller ever gets it back (the API shows the public half). A file written before sealing is read as it is
/// and written again sealed at once.
/// </summary>
public sealed class HostStore
{
    public const string FileName = "hosts.json";

    private readonly string _path;
    private readonly IPrivateKeySeal _seal;
    private readonly Lock _lock = new();
    private Dictionary<string, StoredHost> _hosts;

    private HostStore(string path, IPrivateKeySeal seal, Dictionary<string, StoredHost> hosts)
    {
        _path = path;
        _seal = seal;
        _hosts = hosts;
    }

    /// <summary>Reads the file if there is one. Throws <see cref="InvalidDataException"/> with one sentence when it is damaged.</summary>
    public static HostStore Open(string dataDirectory, IPrivateKeySeal seal) => Open(dataDirectory, FileName, seal);

    /// <summary>The same kind of file under another name: <c>routers.json</c> keeps the router hosts apart from the app servers.</summary>
    public static HostStore Open(string dataDirectory, string fileName, IPrivateKeySeal seal)
    {
        var path = Path.Combine(dataDirectory, fileName);
        if (!File.Exists(path)) return new HostStore(path, seal, new(StringComparer.Ordinal));
        try
        {
            var file = JsonSerializer.Deserialize(File.ReadAllBytes(path), HostsFileJson.Default.HostsFile);
            var hosts = new Dictionary<string, StoredHost>(StringComparer.Ordinal);
            bool clear = false;
            foreach (var (name, entry) in file?.Hosts ?? [])
            {
                clear |= entry?.PrivateKey is { } key && !seal.IsSealed(key);
                hosts[name] = FromEntry(name, entry, seal, path) ?? throw new InvalidDataException($"{path} has a damaged entry for the host {name}; fix it, or remove that entry and add the host again.");
            }
            var store = new HostStore(path, seal, hosts);
            // Written by a Baton that kept the keys in clear: sealed now, before anything else reads or copies the file.
            if (clear) lock (store._lock) store.Replace(hosts);
            return store;
        }
        catch (JsonException)
        {
            throw new InvalidDataException($"{path} is not valid JSON; fix it, or delete it and add the hosts again.");
        }
    }

    /// <summary>Every host, sorted by name.</summary>
    public IReadOnlyList<StoredHost> List()
    {
        lock (_lock) return _hosts.Values.OrderBy(h => h.Name, StringComparer.Ordinal).ToList();
    }

    public StoredHost? Get(string name)
    {
        lock (_lock) return _hosts.GetValueOrDefault(name);
    }

    /// <summary>Stores a new host and writes the file; false (and nothing written) when the name is taken.</summary>
    public bool Add(StoredHost host)
    {
        lock (_lock)
        {
            if (_hosts.ContainsKey(host.Name)) return false;
            Replace(new Dictionary<string, StoredHost>(_hosts, StringComparer.Ordinal) { [host.Name] = host });
            return true;
        }
    }

    /// <summary>Records (or replaces) the pinned host key of a host; null when there is no such host.</summary>
    public StoredHost? Pin(string name, HostKeyPin hostKey)
    {
        lock (_lock)
        {
            if (!_hosts.TryGetValue(name, out var host)) return null;
            var pinned = host with { HostKey = hostKey };
            Replace(new Dictionary<string, StoredHost>(_hosts, StringComparer.Ordinal) { [name] = pinned });
            return pinned;
        }
    }

    /// <summary>Marks a host drained (taken out of every pool) or not; null when there is no such host.</summary>
    public StoredHost? SetDrained(string name, bool drained)
    {
        lock (_lock)
        {
            if (!_hosts.TryGetValue(name, out var host)) return null;
            if (host.Drained == drained) return host;
            var next = host with { Drained = drained };
            Replace(new Dictionary<string, StoredHost>(_hosts, StringComparer.Ordinal) { [name] = next });
            return next;
        }
    }

    /// <summary>Forgets a host and its key pair; false when there was none.</summary>
    public bool Remove(string name)
    {
        lock (_lock)
        {
            if (!_hosts.ContainsKey(name)) return false;
            var next = new Dictionary<string, StoredHost>(_hosts, StringComparer.Ordinal);
            next.Remove(name);
            Replace(next);
            return true;
        }
    }

    private void Replace(Dictionary<string, StoredHost> hosts)
    {
        var file = new HostsFile { Hosts = hosts.ToDictionary(h => h.Key, h => ToEntry(h.Value), StringComparer.Ordinal) };
        var temp = _path + ".tmp";
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        using (var stream = new FileStream(temp, options))
        {
            JsonSerializer.Serialize(stream, file, HostsFileJson.Default.HostsFile);
            stream.Flush(flushToDisk: true);
        }
        // A temp file left by an older run may have had other bits; the rename carries these.
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(temp, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        File.Move(temp, _path, overwrite: true);
        _hosts = hosts;
    }

    private HostEntry ToEntry(StoredHost h) => new()
    {
        Ssh = h.Ssh.ToString(),
        Command = h.Command,
        PublicKey = h.Key.PublicKey,
        PrivateKey = _seal.Seal(h.Key.PrivateKeyPem),
        HostKey = h.HostKey is { } k ? new HostKeyEntry { Algorithm = k.Algorithm, Fingerprint = k.Fingerprint } : null,
        Added = h.Added,
        Drained = h.Drained ? true : null,
    };

    private static StoredHost? FromEntry(string name, HostEntry? e, IPrivateKeySeal seal, string path)
    {
        if (e is not { Ssh: not null, Command: not null, PublicKey: not null, PrivateKey: not null } || !SshTarget.TryParse(e.Ssh, out var target, out _)) return null;
        string privateKey;
        try
        {
            privateKey = seal.Open(e.PrivateKey);
        }
        catch (InvalidDataException)
        {
            throw new InvalidDataException($"{path}: the private key of {name} does not open with this data directory's secrets.key (the key was replaced, or the file damaged); restore the secrets.key that goes with this file, or remove the entry and add {name} again.");
        }
        var pin = e.HostKey is { Algorithm: { } algorithm, Fingerprint: { } fingerprint } ? new HostKeyPin(algorithm, fingerprint) : null;
        return new StoredHost(name, target, e.Command, new SshKeyPair(privateKey, e.PublicKey), pin, e.Added, e.Drained ?? false);
    }
}

internal sealed class HostsFile
{
    public Dictionary<string, HostEntry>? Hosts { get; set; }
}

internal sealed class HostEntry
{
    public string? Ssh { get; set; }
    public string? Command { get; set; }
    public string? PublicKey { get; set; }
    public string? PrivateKey { get; set; }
    public HostKeyEntry? HostKey { get; set; }
    public DateTimeOffset Added { get; set; }

    /// <summary>True while the host is drained; absent otherwise.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public bool? Drained { get; set; }
}

internal sealed class HostKeyEntry
{
    public string? Algorithm { get; set; }
    public string? Fingerprint { get; set; }
}

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, WriteIndented = true)]
[JsonSerializable(typeof(HostsFile))]
internal sealed partial class HostsFileJson : JsonSerializerContext;
