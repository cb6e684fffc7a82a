using System.Diagnostics;
using Microsoft.Data.Sqlite;
using static Baton.Deploy.Store.SqliteFile;

namespace Baton.Deploy.Store;

/// <summary>
/// The deployer's durable state in <c>&lt;data&gt;/baton.db</c> (SQLite, WAL): service definitions,
/// deployments with every step, and the one-deployment-per-service locks. Service definitions
/// (which hold secret env values) are stored encrypted (<see cref="DefinitionCipher"/>, key in
/// <c>secrets.key</c> beside the database); clear ones left by an older Baton are encrypted at open.
/// </summary>
public sealed class DeployStore : IDisposable
{
    private const int SchemaVersion = 1;
    private readonly SqliteFile _file;
    private readonly TimeProvider _time;
    private readonly DefinitionCipher _cipher;

    public DeployStore(string path, TimeProvider time)
    {
        _time = time;
        var directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        Directory.CreateDirectory(directory);
        _cipher = DefinitionCipher.OpenOrCreate(directory);
        _file = new SqliteFile(path);
        Migrate();
        EncryptClearDefinitions();
    }

    /// <summary>This process, as a lock holder: a lock whose holder is not this process is left from a dead one.</summary>
    public static string ThisProcess { get; } = $"{Environment.MachineName}:{Environment.ProcessId}:{Process.GetCurrentProcess().StartTime.ToUniversalTime():O}";

    private void Migrate()
    {
        var version = _file.UserVersion;
        if (version > SchemaVersion) throw new InvalidDataException($"The database was written by a newer Baton (schema {version}); upgrade Baton to use it.");
        if (version == SchemaVersion) return;
        _file.Write("""
            CREATE TABLE IF NOT EXISTS services (
                name TEXT PRIMARY KEY, definition TEXT NOT NULL, applied_at TEXT NOT NULL, applied_by TEXT NOT NULL);
            CREATE TABLE IF NOT EXISTS deployments (
                id INTEGER PRIMARY KEY AUTOINCREMENT, service TEXT NOT NULL, kind TEXT NOT NULL, image TEXT NOT NULL,
                digest TEXT, color TEXT, author TEXT NOT NULL, started_at TEXT NOT NULL, finished_at TEXT,
                outcome TEXT NOT NULL, reason TEXT, definition TEXT, release TEXT);
            CREATE INDEX IF NOT EXISTS deployments_service ON deployments(service, id);
            CREATE TABLE IF NOT EXISTS steps (
                id INTEGER PRIMARY KEY AUTOINCREMENT, deployment_id INTEGER NOT NULL REFERENCES deployments(id),
                name TEXT NOT NULL, started_at TEXT NOT NULL, finished_at TEXT, outcome TEXT NOT NULL, detail TEXT);
            CREATE TABLE IF NOT EXISTS locks (
                service TEXT PRIMARY KEY, deployment_id INTEGER NOT NULL, holder TEXT NOT NULL, author TEXT NOT NULL, since TEXT NOT NULL);
            PRAGMA user_version = 1;
            """);
    }

    /// <summary>
    /// Encrypts definitions stored in clear (by a Baton before encryption), then rewrites the file
    /// (VACUUM) and empties the WAL, so no page of the file keeps the clear text.
    /// </summary>
    private void EncryptClearDefinitions()
    {
        lock (_file.Gate)
        {
            var services = _file.QueryIn(null, "SELECT name, definition FROM services WHERE definition NOT LIKE 'enc:v1:%'", r => (r.GetString(0), r.GetString(1)));
            var deployments = _file.QueryIn(null, "SELECT id, definition FROM deployments WHERE definition IS NOT NULL AND definition NOT LIKE 'enc:v1:%'", r => (r.GetInt64(0), r.GetString(1)));
            if (services.Count + deployments.Count == 0) return;
            using (var tx = _file.BeginTransaction())
            {
                foreach (var (name, text) in services) _file.ExecIn(tx, "UPDATE services SET definition = $d WHERE name = $n", ("$n", name), ("$d", _cipher.Encrypt(text)));
                foreach (var (id, text) in deployments) _file.ExecIn(tx, "UPDATE deployments SET definition = $d WHERE id = $id", ("$id", id), ("$d", _cipher.Encrypt(text)));
                tx.Commit();
            }
            _file.ExecIn(null, "PRAGMA wal_checkpoint(TRUNCATE)");
            _file.ExecIn(null, "VACUUM");
            _file.ExecIn(null, "PRAGMA wal_checkpoint(TRUNCATE)");
        }
    }

    // --- services ---

    public void SaveService(string name, string definition, string author) => _file.Write(
        "INSERT INTO services(name, definition, applied_at, applied_by) VALUES ($n, $d, $t, $a) ON CONFLICT(name) DO UPDATE SET definition = $d, applied_at = $t, applied_by = $a",
        ("$n", name), ("$d", _cipher.Encrypt(definition)), ("$t", Now()), ("$a", author));

    public string? GetService(string name) =>
        _file.Scalar("SELECT definition FROM services WHERE name = $n", ("$n", name)) is string stored ? _cipher.Decrypt(stored) : null;

    public IReadOnlyList<string> ServiceNames() =>
        _file.Query("SELECT name FROM services ORDER BY name", r => r.GetString(0));

    public void DeleteService(string name) => _file.Write("DELETE FROM services WHERE name = $n", ("$n", name));

    // --- deployments and steps ---

    /// <summary>
    /// Records a new deployment as running. Its release is <paramref name="release"/> (a rollback),
    /// else the service's next: <c>r1</c>, <c>r2</c> … of that service.
    /// </summary>
    public (long Id, string Release) BeginDeployment(string service, string kind, string image, string? digest, string? color, string author, string? definition, string? release = null)
    {
        lock (_file.Gate)
        {
            using var tx = _file.BeginTransaction();
            if (release is null)
            {
                using var next = _file.Command(
                    "SELECT COALESCE(MAX(CAST(SUBSTR(release, 2) AS INTEGER)), 0) + 1 FROM deployments WHERE service = $s AND release GLOB 'r[0-9]*'", ("$s", service));
                next.Transaction = tx;
                release = $"r{(long)next.ExecuteScalar()!}";
            }
            using var cmd = _file.Command(
                "INSERT INTO deployments(service, kind, image, digest, color, author, started_at, outcome, definition, release) VALUES ($s, $k, $i, $d, $c, $a, $t, 'running', $def, $rel) RETURNING id",
                ("$s", service), ("$k", kind), ("$i", image), ("$d", digest), ("$c", color), ("$a", author), ("$t", Now()), ("$def", definition is null ? null : _cipher.Encrypt(definition)), ("$rel", release));
            cmd.Transaction = tx;
            var id = (long)cmd.ExecuteScalar()!;
            tx.Commit();
            return (id, release);
        }
    }

    public void UpdateDeployment(long id, string? digest = null, string? color = null) => _file.Write(
        "UPDATE deployments SET digest = COALESCE($d, digest), color = COALESCE($c, color) WHERE id = $id",
        ("$id", id), ("$d", digest), ("$c", color));

    public void FinishDeployment(long id, string outcome, string? reason) => _file.Write(
        "UPDATE deployments SET outcome = $o, reason = $r, finished_at = CASE WHEN $o IN ('running','held') THEN NULL ELSE $t END WHERE id = $id",
        ("$id", id), ("$o", outcome), ("$r", reason), ("$t", Now()));

    public long BeginStep(long deploymentId, string name)
    {
        lock (_file.Gate)
        {
            using var cmd = _file.Command("INSERT INTO steps(deployment_id, name, started_at, outcome) VALUES ($d, $n, $t, 'running') RETURNING id",
                ("$d", deploymentId), ("$n", name), ("$t", Now()));
            return (long)cmd.ExecuteScalar()!;
        }
    }

    public void FinishStep(long stepId, string outcome, string? detail) => _file.Write(
        "UPDATE steps SET outcome = $o, detail = $x, finished_at = $t WHERE id = $id",
        ("$id", stepId), ("$o", outcome), ("$x", detail), ("$t", Now()));

    public DeploymentRecord? GetDeployment(long id) =>
        ReadDeployments("WHERE id = $id", ("$id", id)).FirstOrDefault();

    /// <summary>Newest first.</summary>
    public IReadOnlyList<DeploymentRecord> History(string service, int limit = 50) =>
        ReadDeployments("WHERE service = $s ORDER BY id DESC LIMIT $l", ("$s", service), ("$l", limit));

    /// <summary>The deployments that made a release live, newest first: the current one and the ones to roll back to.</summary>
    public IReadOnlyList<DeploymentRecord> Succeeded(string service, int limit = 50) =>
        ReadDeployments($"WHERE service = $s AND outcome = 'succeeded' AND kind NOT IN ('{Kinds.HostDrain}', '{Kinds.HostResume}') ORDER BY id DESC LIMIT $l", ("$s", service), ("$l", limit));

    public IReadOnlyList<DeploymentRecord> Unfinished() =>
        ReadDeployments("WHERE outcome IN ('running','held') ORDER BY id");

    public string? DefinitionOf(long deploymentId) =>
        _file.Scalar("SELECT definition FROM deployments WHERE id = $id", ("$id", deploymentId)) is string stored ? _cipher.Decrypt(stored) : null;

    // --- locks ---

    /// <summary>Takes the service's lock for a deployment, or returns who holds it.</summary>
    public LockHolder? TryLock(string service, long deploymentId, string author)
    {
        lock (_file.Gate)
        {
            using var tx = _file.BeginTransaction();
            var held = ReadLock(service, tx);
            if (held is not null) return held;
            using var cmd = _file.Command("INSERT INTO locks(service, deployment_id, holder, author, since) VALUES ($s, $d, $h, $a, $t)",
                ("$s", service), ("$d", deploymentId), ("$h", ThisProcess), ("$a", author), ("$t", Now()));
            cmd.Transaction = tx;
            cmd.ExecuteNonQuery();
            tx.Commit();
            return null;
        }
    }

    public LockHolder? GetLock(string service)
    {
        lock (_file.Gate) return ReadLock(service, null);
    }

    public IReadOnlyList<LockHolder> Locks() =>
        _file.Query("SELECT service, deployment_id, holder, author, since FROM locks", ReadLockRow);

    public void Unlock(string service, long deploymentId) =>
        _file.Write("DELETE FROM locks WHERE service = $s AND deployment_id = $d", ("$s", service), ("$d", deploymentId));

    private LockHolder? ReadLock(string service, SqliteTransaction? tx)
    {
        using var cmd = _file.Command("SELECT service, deployment_id, holder, author, since FROM locks WHERE service = $s", ("$s", service));
        cmd.Transaction = tx;
        using var r = cmd.ExecuteReader();
        return r.Read() ? ReadLockRow(r) : null;
    }

    private static LockHolder ReadLockRow(SqliteDataReader r) =>
        new(r.GetString(0), r.GetInt64(1), r.GetString(2), r.GetString(3), DateTimeOffset.Parse(r.GetString(4), System.Globalization.CultureInfo.InvariantCulture));

    // --- plumbing ---

    private List<DeploymentRecord> ReadDeployments(string where, params (string, object?)[] args)
    {
        lock (_file.Gate)
        {
            var rows = new List<DeploymentRecord>();
            using (var cmd = _file.Command($"SELECT id, service, kind, image, digest, color, author, started_at, finished_at, outcome, reason, release FROM deployments {where}", args))
            using (var r = cmd.ExecuteReader())
            {
                while (r.Read())
                    rows.Add(new DeploymentRecord(r.GetInt64(0), r.GetString(1), r.GetString(2), r.GetString(3), Str(r, 4), Str(r, 5), r.GetString(6),
                        Time(r.GetString(7)), Str(r, 8) is { } f ? Time(f) : null, r.GetString(9), Str(r, 10), Str(r, 11) ?? $"r{r.GetInt64(0)}", []));
            }
            for (int i = 0; i < rows.Count; i++)
            {
                using var cmd = _file.Command("SELECT name, started_at, finished_at, outcome, detail FROM steps WHERE deployment_id = $d ORDER BY id", ("$d", rows[i].Id));
                using var r = cmd.ExecuteReader();
                var steps = new List<StepRecord>();
                while (r.Read()) steps.Add(new StepRecord(r.GetString(0), Time(r.GetString(1)), Str(r, 2) is { } f ? Time(f) : null, r.GetString(3), Str(r, 4)));
                rows[i] = rows[i] with { Steps = steps };
            }
            return rows;
        }
    }

    private string Now() => Format(_time.GetUtcNow());

    public void Dispose() => _file.Dispose();
}
