using System.Text;
using Baton.Deploy.Store;
using Microsoft.Data.Sqlite;

namespace Baton.Deploy.Tests.Store;

/// <summary>Issue 12, point 6: secret env values never in clear in the database file, and every file owner-only.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")] // file modes
public sealed class SecretsAtRestTests : IDisposable
{
    private const string Secret = "hunter2-correct-horse-battery";
    private const string Yaml = $"service: web\nimage: 127.0.0.1:5000/shop\nenv:\n  DB_PASSWORD: {{ secret: {Secret} }}\n";

    private readonly string _dir = Directory.CreateTempSubdirectory("baton-secrets-").FullName;

    private string Db => Path.Combine(_dir, "baton.db");

    private DeployStore Open() => new(Db, TimeProvider.System);

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_dir, recursive: true);
    }

    /// <summary>Every byte of the database and its -wal and -shm files, while open or after.</summary>
    private string DatabaseBytes() => string.Concat(new[] { Db, Db + "-wal", Db + "-shm" }.Where(File.Exists).Select(f =>
    {
        using var stream = new FileStream(f, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return Encoding.Latin1.GetString(copy.ToArray());
    }));

    [Fact]
    public void SavedDefinitions_ReadBackInClear_NeverInTheFileBytes()
    {
        using (var store = Open())
        {
            store.SaveService("web", Yaml, "admin");
            var (id, _) = store.BeginDeployment("web", "deploy", "127.0.0.1:5000/shop:v1", null, null, "admin", Yaml);
            Assert.Equal(Yaml, store.GetService("web"));
            Assert.Equal(Yaml, store.DefinitionOf(id));
            Assert.DoesNotContain(Secret, DatabaseBytes());
        }
        Assert.DoesNotContain(Secret, DatabaseBytes());
        using var reopened = Open();
        Assert.Equal(Yaml, reopened.GetService("web"));
    }

    [Fact]
    public void ClearDefinitionsOfAnOlderBaton_EncryptedAtOpen_AndGoneFromEveryPage()
    {
        using (Open())
        {
        }
        // An older Baton wrote the definitions as they were.
        using (var db = new SqliteConnection($"Data Source={Db};Pooling=False"))
        {
            db.Open();
            using var cmd = db.CreateCommand();
            cmd.CommandText = "INSERT INTO services(name, definition, applied_at, applied_by) VALUES ('web', $d, '2026-01-01T00:00:00.0000000+00:00', 'admin');" +
                "INSERT INTO deployments(service, kind, image, author, started_at, outcome, definition) VALUES ('web', 'deploy', 'x', 'admin', '2026-01-01T00:00:00.0000000+00:00', 'succeeded', $d);";
            cmd.Parameters.AddWithValue("$d", Yaml);
            cmd.ExecuteNonQuery();
        }
        Assert.Contains(Secret, DatabaseBytes());

        using var store = Open();

        Assert.DoesNotContain(Secret, DatabaseBytes());
        Assert.Equal(Yaml, store.GetService("web"));
        Assert.Equal(Yaml, store.DefinitionOf(store.History("web")[0].Id));
    }

    [Fact]
    public void Files_KeyDatabaseWalAndShm_AreOwnerOnly()
    {
        using var store = Open();
        store.SaveService("web", Yaml, "admin");
        foreach (var file in new[] { DefinitionCipher.KeyFileName, "baton.db", "baton.db-wal", "baton.db-shm" })
            Assert.Equal(PrivateFiles.Mode, File.GetUnixFileMode(Path.Combine(_dir, file)));
        Assert.Equal(32, new FileInfo(Path.Combine(_dir, DefinitionCipher.KeyFileName)).Length);
    }

    [Fact]
    public void AnotherKey_DefinitionsRefusedWithASentence()
    {
        using (var store = Open()) store.SaveService("web", Yaml, "admin");
        File.Delete(Path.Combine(_dir, DefinitionCipher.KeyFileName));
        using var other = Open();
        var e = Assert.Throws<InvalidDataException>(() => other.GetService("web"));
        Assert.Contains("does not open with secrets.key", e.Message);
    }

    [Fact]
    public void Tighten_LooserFiles_SetOwnerOnlyAndReported()
    {
        var loose = Path.Combine(_dir, "router-state.json");
        File.WriteAllText(loose, "{}");
        File.SetUnixFileMode(loose, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        var tight = Path.Combine(_dir, "admin-token");
        PrivateFiles.Write(tight, "x"u8);

        var changed = PrivateFiles.Tighten(_dir);

        Assert.Equal([(loose, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead)], changed);
        Assert.Equal(PrivateFiles.Mode, File.GetUnixFileMode(loose));
        Assert.Equal(PrivateFiles.Mode, File.GetUnixFileMode(tight));
    }
}
