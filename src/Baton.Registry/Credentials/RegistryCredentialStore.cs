using System.Text.Json;
using System.Text.Json.Serialization;
using Baton.Registry.Auth;

namespace Baton.Registry.Credentials;

/// <summary>
/// Registry logins kept in <c>&lt;data&gt;/registries.json</c>, per registry host. The file is
/// readable by its owner only (mode 600) and replaced atomically (written beside, then renamed),
/// so a crash never leaves half a file. Passwords are needed in clear to log in to registries, so
/// they are stored as given; the API never shows them back.
/// </summary>
public sealed class RegistryCredentialStore
{
    public const string FileName = "registries.json";

    private readonly string _path;
    private readonly Lock _lock = new();
    private Dictionary<string, StoredLogin> _logins;

    private RegistryCredentialStore(string path, Dictionary<string, StoredLogin> logins)
    {
        _path = path;
        _logins = logins;
    }

    /// <summary>Reads the file if there is one. Throws <see cref="InvalidDataException"/> with one sentence when it is damaged.</summary>
    public static RegistryCredentialStore Open(string dataDirectory)
    {
        var path = Path.Combine(dataDirectory, FileName);
        if (!File.Exists(path)) return new RegistryCredentialStore(path, new(StringComparer.Ordinal));
        try
        {
            var file = JsonSerializer.Deserialize(File.ReadAllBytes(path), CredentialsJson.Default.CredentialsFile);
            var logins = (file?.Registries ?? []).Where(r => r.Value is { Username: not null, Password: not null })
                .ToDictionary(r => r.Key, r => r.Value, StringComparer.Ordinal);
            return new RegistryCredentialStore(path, logins);
        }
        catch (JsonException)
        {
            throw new InvalidDataException($"{path} is not valid JSON; fix it or delete it and log in to the registries again.");
        }
    }

    /// <summary>The stored login of a registry host (normalized as <see cref="ImageName"/> does), or null.</summary>
    public RegistryLogin? Get(string host)
    {
        if (!ImageName.TryParseHost(host, out var key, out _, out _)) return null;
        lock (_lock) return _logins.TryGetValue(key, out var l) ? new RegistryLogin(l.Username!, l.Password!) : null;
    }

    /// <summary>Every registry host with its user name, sorted by host; never the passwords.</summary>
    public IReadOnlyList<(string Host, string Username)> List()
    {
        lock (_lock) return _logins.OrderBy(l => l.Key, StringComparer.Ordinal).Select(l => (l.Key, l.Value.Username!)).ToList();
    }

    /// <summary>Stores (or replaces) the login of a normalized host and writes the file.</summary>
    public void Set(string host, RegistryLogin login)
    {
        lock (_lock)
        {
            var next = new Dictionary<string, StoredLogin>(_logins, StringComparer.Ordinal) { [host] = new StoredLogin { Username = login.Username, Password = login.Password } };
            Write(next);
            _logins = next;
        }
    }

    /// <summary>Forgets the login of a host; false when there was none.</summary>
    public bool Remove(string host)
    {
        lock (_lock)
        {
            if (!_logins.ContainsKey(host)) return false;
            var next = new Dictionary<string, StoredLogin>(_logins, StringComparer.Ordinal);
            next.Remove(host);
            Write(next);
            _logins = next;
            return true;
        }
    }

    private void Write(Dictionary<string, StoredLogin> logins)
    {
        var temp = _path + ".tmp";
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        using (var stream = new FileStream(temp, options))
        {
            JsonSerializer.Serialize(stream, new CredentialsFile { Registries = logins }, CredentialsJson.Default.CredentialsFile);
            stream.Flush(flushToDisk: true);
        }
        // A temp file left by an older run may have had other bits; the rename carries these.
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(temp, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        File.Move(temp, _path, overwrite: true);
    }
}

internal sealed class CredentialsFile
{
    public Dictionary<string, StoredLogin>? Registries { get; set; }
}

internal sealed class StoredLogin
{
    public string? Username { get; set; }
    public string? Password { get; set; }
}

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, WriteIndented = true)]
[JsonSerializable(typeof(CredentialsFile))]
internal sealed partial class CredentialsJson : JsonSerializerContext;
