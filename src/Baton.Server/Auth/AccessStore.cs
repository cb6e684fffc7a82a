using System.Globalization;
using Baton.Contracts;
using Baton.Deploy.Store;
using Microsoft.Data.Sqlite;
using static Baton.Deploy.Store.SqliteFile;

namespace Baton.Server.Auth;

/// <summary>A user row as the server needs it to authenticate (with its hash, which never leaves the server).</summary>
internal sealed record UserRecord(string Name, Role Role, string PasswordHash, DateTimeOffset Created, bool Disabled);

/// <summary>A live session with its user's current role.</summary>
internal sealed record SessionRecord(string Hash, string User, Role Role, string CsrfToken, DateTimeOffset Created, DateTimeOffset LastSeen);

/// <summary>Failed sign-ins since some time: from one address (any user), and for one user (any address), each with the latest.</summary>
internal sealed record LoginFailureCounts(int FromAddress, DateTimeOffset? LastFromAddress, int ForUser, DateTimeOffset? LastForUser);

/// <summary>An API token row with its owner's current role and state.</summary>
internal sealed record TokenRecord(long Id, string Name, string Owner, Role Role, DateTimeOffset Created, DateTimeOffset? LastUsed, DateTimeOffset? Expires, bool Revoked)
{
    public TokenView View() => new(Id, Name, Owner, Roles.Name(Role), Created, LastUsed, Expires, Revoked);
}

/// <summary>
/// Who may use the admin API, in its own SQLite file <c>&lt;data&gt;/access.db</c>: users with
/// password hashes, API token hashes, session hashes, and the audit log. A file of its own, not
/// tables in <c>baton.db</c>, because the deploy store's schema and migrations belong to the
/// deployer (which knows nothing of people), and because these rows are the server's secrets:
/// the file can be backed up, restored or wiped on its own (wiping it makes a new first-start admin).
/// Tokens and session ids are kept only as SHA-256; passwords only as PBKDF2.
/// </summary>
internal sealed class AccessStore : IDisposable
{
    private const int SchemaVersion = 2;
    private readonly SqliteFile _file;
    private readonly TimeProvider _time;

    public AccessStore(string path, TimeProvider time)
    {
        _time = time;
        bool existed = File.Exists(path);
        _file = new SqliteFile(path);
        if (!existed && !OperatingSystem.IsWindows()) File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        Migrate();
    }

    public static string FileIn(string dataDirectory) => Path.Combine(dataDirectory, "access.db");

    private void Migrate()
    {
        var version = _file.UserVersion;
        if (version > SchemaVersion) throw new InvalidDataException($"access.db was written by a newer Baton (schema {version}); upgrade Baton to use it.");
        if (version == SchemaVersion) return;
        if (version < 1) _file.Write("""
            CREATE TABLE IF NOT EXISTS users (
                name TEXT PRIMARY KEY COLLATE NOCASE, role TEXT NOT NULL, password_hash TEXT NOT NULL,
                created_at TEXT NOT NULL, disabled INTEGER NOT NULL DEFAULT 0);
            CREATE TABLE IF NOT EXISTS tokens (
                id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL, owner TEXT NOT NULL COLLATE NOCASE, role TEXT NOT NULL,
                hash TEXT NOT NULL UNIQUE, created_at TEXT NOT NULL, last_used_at TEXT, expires_at TEXT, revoked_at TEXT);
            CREATE TABLE IF NOT EXISTS sessions (
                hash TEXT PRIMARY KEY, user TEXT NOT NULL COLLATE NOCASE, csrf TEXT NOT NULL,
                created_at TEXT NOT NULL, last_seen_at TEXT NOT NULL);
            CREATE TABLE IF NOT EXISTS audit (
                id INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL, actor TEXT NOT NULL, action TEXT NOT NULL,
                target TEXT, outcome TEXT NOT NULL, detail TEXT);
            CREATE INDEX IF NOT EXISTS audit_target ON audit(target, id);
            PRAGMA user_version = 1;
            """);
        // 2: failed sign-ins, so the throttle's counts survive a restart.
        _file.Write("""
            CREATE TABLE IF NOT EXISTS login_failures (user TEXT NOT NULL, address TEXT NOT NULL, at TEXT NOT NULL);
            CREATE INDEX IF NOT EXISTS login_failures_address ON login_failures(address, at);
            CREATE INDEX IF NOT EXISTS login_failures_user ON login_failures(user, at);
            CREATE INDEX IF NOT EXISTS login_failures_at ON login_failures(at);
            PRAGMA user_version = 2;
            """);
    }

    // --- users ---

    public int UserCount() => Convert.ToInt32(_file.Scalar("SELECT COUNT(*) FROM users"), CultureInfo.InvariantCulture);

    public UserRecord? GetUser(string name) =>
        _file.Query("SELECT name, role, password_hash, created_at, disabled FROM users WHERE name = $n", ReadUser, ("$n", name)).FirstOrDefault();

    public IReadOnlyList<UserRecord> Users() =>
        _file.Query("SELECT name, role, password_hash, created_at, disabled FROM users ORDER BY name", ReadUser);

    /// <summary>Adds a user; false when the name is taken.</summary>
    public bool AddUser(string name, Role role, string passwordHash)
    {
        lock (_file.Gate)
        {
            using var cmd = _file.Command("INSERT INTO users(name, role, password_hash, created_at) VALUES ($n, $r, $h, $t) ON CONFLICT(name) DO NOTHING",
                ("$n", name), ("$r", Roles.Name(role)), ("$h", passwordHash), ("$t", Now()));
            return cmd.ExecuteNonQuery() == 1;
        }
    }

    /// <summary>
    /// Changes a user's role, password hash or disabled flag, all or nothing. Refuses (with the
    /// sentence) to leave no enabled admin. A new password or disabling ends the user's sessions.
    /// </summary>
    public string? UpdateUser(string name, Role? role, string? passwordHash, bool? disabled)
    {
        lock (_file.Gate)
        {
            using var tx = _file.BeginTransaction();
            var user = _file.QueryIn(tx, "SELECT name, role, password_hash, created_at, disabled FROM users WHERE name = $n", ReadUser, ("$n", name)).FirstOrDefault();
            if (user is null) return null;
            bool stillAdmin = (role ?? user.Role) == Role.Admin && !(disabled ?? user.Disabled);
            if (user.Role == Role.Admin && !user.Disabled && !stillAdmin && OtherEnabledAdmins(tx, user.Name) == 0)
                return $"{user.Name} is the last enabled admin; make another admin first.";
            _file.ExecIn(tx, "UPDATE users SET role = COALESCE($r, role), password_hash = COALESCE($h, password_hash), disabled = COALESCE($d, disabled) WHERE name = $n",
                ("$n", name), ("$r", role is { } r ? Roles.Name(r) : null), ("$h", passwordHash), ("$d", disabled is { } d ? (d ? 1 : 0) : null));
            if (passwordHash is not null || disabled == true) _file.ExecIn(tx, "DELETE FROM sessions WHERE user = $n", ("$n", name));
            tx.Commit();
            return null;
        }
    }

    /// <summary>Deletes a user, its sessions, and revokes its tokens; refuses to delete the last enabled admin.</summary>
    public string? DeleteUser(string name)
    {
        lock (_file.Gate)
        {
            using var tx = _file.BeginTransaction();
            var user = _file.QueryIn(tx, "SELECT name, role, password_hash, created_at, disabled FROM users WHERE name = $n", ReadUser, ("$n", name)).FirstOrDefault();
            if (user is null) return null;
            if (user.Role == Role.Admin && !user.Disabled && OtherEnabledAdmins(tx, user.Name) == 0)
                return $"{user.Name} is the last enabled admin; make another admin first.";
            _file.ExecIn(tx, "DELETE FROM sessions WHERE user = $n", ("$n", name));
            _file.ExecIn(tx, "UPDATE tokens SET revoked_at = $t WHERE owner = $n AND revoked_at IS NULL", ("$n", name), ("$t", Now()));
            _file.ExecIn(tx, "DELETE FROM users WHERE name = $n", ("$n", name));
            tx.Commit();
            return null;
        }
    }

    private long OtherEnabledAdmins(SqliteTransaction tx, string name) =>
        _file.QueryIn(tx, "SELECT COUNT(*) FROM users WHERE role = 'admin' AND disabled = 0 AND name <> $n", r => r.GetInt64(0), ("$n", name))[0];

    private static UserRecord ReadUser(SqliteDataReader r) =>
        new(r.GetString(0), RoleOf(r.GetString(1)), r.GetString(2), Time(r.GetString(3)), r.GetInt64(4) != 0);

    // --- sessions ---

    public void AddSession(string hash, string user, string csrf) => _file.Write(
        "INSERT INTO sessions(hash, user, csrf, created_at, last_seen_at) VALUES ($h, $u, $c, $t, $t)",
        ("$h", hash), ("$u", user), ("$c", csrf), ("$t", Now()));

    /// <summary>The session with its user's current role; null when unknown or its user is gone or disabled.</summary>
    public SessionRecord? GetSession(string hash) => _file.Query(
        "SELECT s.hash, u.name, u.role, s.csrf, s.created_at, s.last_seen_at FROM sessions s JOIN users u ON u.name = s.user WHERE s.hash = $h AND u.disabled = 0",
        r => new SessionRecord(r.GetString(0), r.GetString(1), RoleOf(r.GetString(2)), r.GetString(3), Time(r.GetString(4)), Time(r.GetString(5))),
        ("$h", hash)).FirstOrDefault();

    public void TouchSession(string hash) => _file.Write("UPDATE sessions SET last_seen_at = $t WHERE hash = $h", ("$h", hash), ("$t", Now()));

    public void DeleteSession(string hash) => _file.Write("DELETE FROM sessions WHERE hash = $h", ("$h", hash));

    /// <summary>Forgets sessions that can no longer be used, so the table does not grow.</summary>
    public void DeleteSessionsSeenBefore(DateTimeOffset idleCutoff, DateTimeOffset createdCutoff) => _file.Write(
        "DELETE FROM sessions WHERE last_seen_at < $i OR created_at < $c",
        ("$i", Format(idleCutoff)), ("$c", Format(createdCutoff)));

    // --- tokens ---

    public TokenRecord AddToken(string name, string owner, Role role, string hash, DateTimeOffset? expires)
    {
        lock (_file.Gate)
        {
            using var cmd = _file.Command("INSERT INTO tokens(name, owner, role, hash, created_at, expires_at) VALUES ($n, $o, $r, $h, $t, $e) RETURNING id",
                ("$n", name), ("$o", owner), ("$r", Roles.Name(role)), ("$h", hash), ("$t", Now()), ("$e", expires is { } e ? Format(e) : null));
            var id = (long)cmd.ExecuteScalar()!;
            return Tokens("WHERE t.id = $id", ("$id", id))[0];
        }
    }

    /// <summary>
    /// The token whose hash this is, usable now: not revoked, not expired, its owner an enabled
    /// user; its role is the lower of its own and its owner's current one.
    /// </summary>
    public TokenRecord? FindUsableToken(string hash)
    {
        var now = _time.GetUtcNow();
        var found = _file.Query(
            "SELECT t.id, t.name, u.name, t.role, u.role, t.created_at, t.last_used_at, t.expires_at, t.revoked_at FROM tokens t JOIN users u ON u.name = t.owner WHERE t.hash = $h AND u.disabled = 0",
            r => new TokenRecord(r.GetInt64(0), r.GetString(1), r.GetString(2), (Role)Math.Min((int)RoleOf(r.GetString(3)), (int)RoleOf(r.GetString(4))),
                Time(r.GetString(5)), TimeOrNull(r, 6), TimeOrNull(r, 7), !r.IsDBNull(8)),
            ("$h", hash)).FirstOrDefault();
        if (found is null || found.Revoked || found.Expires <= now) return null;
        return found;
    }

    public void TouchToken(long id) => _file.Write("UPDATE tokens SET last_used_at = $t WHERE id = $id", ("$id", id), ("$t", Now()));

    /// <summary>Every token, or those of <paramref name="owner"/>; newest first.</summary>
    public IReadOnlyList<TokenRecord> ListTokens(string? owner) => owner is null
        ? Tokens("ORDER BY t.id DESC")
        : Tokens("WHERE t.owner = $o ORDER BY t.id DESC", ("$o", owner));

    public TokenRecord? GetToken(long id) => Tokens("WHERE t.id = $id", ("$id", id)).FirstOrDefault();

    public void RevokeToken(long id) => _file.Write("UPDATE tokens SET revoked_at = COALESCE(revoked_at, $t) WHERE id = $id", ("$id", id), ("$t", Now()));

    private List<TokenRecord> Tokens(string where, params (string, object?)[] args) => _file.Query(
        $"SELECT t.id, t.name, t.owner, t.role, t.created_at, t.last_used_at, t.expires_at, t.revoked_at FROM tokens t {where}",
        r => new TokenRecord(r.GetInt64(0), r.GetString(1), r.GetString(2), RoleOf(r.GetString(3)), Time(r.GetString(4)), TimeOrNull(r, 5), TimeOrNull(r, 6), !r.IsDBNull(7)),
        args);

    // --- failed sign-ins ---

    public LoginFailureCounts LoginFailures(string user, string address, DateTimeOffset since)
    {
        static (int, DateTimeOffset?) Read(SqliteDataReader r) => (r.GetInt32(0), r.IsDBNull(1) ? null : Time(r.GetString(1)));
        lock (_file.Gate)
        {
            var (fromAddress, lastFromAddress) = _file.QueryIn(null, "SELECT COUNT(*), MAX(at) FROM login_failures WHERE address = $a AND at >= $s", Read, ("$a", address), ("$s", Format(since)))[0];
            var (forUser, lastForUser) = _file.QueryIn(null, "SELECT COUNT(*), MAX(at) FROM login_failures WHERE user = $u AND at >= $s", Read, ("$u", user), ("$s", Format(since)))[0];
            return new(fromAddress, lastFromAddress, forUser, lastForUser);
        }
    }

    /// <summary>Records a failure, and forgets those before <paramref name="forgetBefore"/> so the table stays as small as the window.</summary>
    public void AddLoginFailure(string user, string address, DateTimeOffset at, DateTimeOffset forgetBefore)
    {
        lock (_file.Gate)
        {
            using var tx = _file.BeginTransaction();
            _file.ExecIn(tx, "DELETE FROM login_failures WHERE at < $f", ("$f", Format(forgetBefore)));
            _file.ExecIn(tx, "INSERT INTO login_failures(user, address, at) VALUES ($u, $a, $t)", ("$u", user), ("$a", address), ("$t", Format(at)));
            tx.Commit();
        }
    }

    /// <summary>Forgets the failures of one user from one address (that user signed in from there).</summary>
    public void ClearLoginFailures(string user, string address) =>
        _file.Write("DELETE FROM login_failures WHERE user = $u AND address = $a", ("$u", user), ("$a", address));

    // --- audit ---

    public void AppendAudit(string actor, string action, string? target, string outcome, string? detail) => _file.Write(
        "INSERT INTO audit(at, actor, action, target, outcome, detail) VALUES ($t, $a, $x, $g, $o, $d)",
        ("$t", Now()), ("$a", actor), ("$x", action), ("$g", target), ("$o", outcome), ("$d", detail));

    /// <summary>Newest first; only entries about <paramref name="target"/> when it is given.</summary>
    public IReadOnlyList<AuditEntry> Audit(string? target, int limit) => _file.Query(
        $"SELECT id, at, actor, action, target, outcome, detail FROM audit {(target is null ? "" : "WHERE target = $g")} ORDER BY id DESC LIMIT $l",
        r => new AuditEntry(r.GetInt64(0), Time(r.GetString(1)), r.GetString(2), r.GetString(3), Str(r, 4), r.GetString(5), Str(r, 6)),
        ("$g", target), ("$l", limit));

    // --- plumbing ---

    private static Role RoleOf(string text) => Roles.TryParse(text, out var role) ? role : Role.Viewer;

    private static DateTimeOffset? TimeOrNull(SqliteDataReader r, int i) => r.IsDBNull(i) ? null : Time(r.GetString(i));

    private string Now() => Format(_time.GetUtcNow());

    public void Dispose() => _file.Dispose();
}
