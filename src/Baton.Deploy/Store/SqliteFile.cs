using System.Globalization;
using Microsoft.Data.Sqlite;

namespace Baton.Deploy.Store;

/// <summary>
/// One SQLite file opened the way Baton's stores use it (WAL, full sync, a busy timeout, foreign
/// keys), one connection guarded by <see cref="Gate"/>, and the small helpers around commands.
/// The deploy store and the server's access store each own one.
/// </summary>
public sealed class SqliteFile : IDisposable
{
    private readonly SqliteConnection _db;

    static SqliteFile() => SQLitePCL.Batteries_V2.Init();

    /// <summary>Opens (or creates, mode 600, so its -wal and -shm files get that mode too) the file at <paramref name="path"/>.</summary>
    public SqliteFile(string path)
    {
        PrivateFiles.Create(path);
        _db = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        _db.Open();
        Write("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA busy_timeout=5000; PRAGMA foreign_keys=ON; PRAGMA secure_delete=ON;");
    }

    /// <summary>Held around every use of the connection, and around a transaction as a whole.</summary>
    public Lock Gate { get; } = new();

    /// <summary>The schema version the file records (<c>PRAGMA user_version</c>).</summary>
    public int UserVersion => Convert.ToInt32(Scalar("PRAGMA user_version"), CultureInfo.InvariantCulture);

    /// <summary>Starts a transaction; the caller holds <see cref="Gate"/>.</summary>
    public SqliteTransaction BeginTransaction() => _db.BeginTransaction();

    /// <summary>A command with named parameters; null values become SQL NULL. The caller holds <see cref="Gate"/>.</summary>
    public SqliteCommand Command(string sql, params (string Name, object? Value)[] args)
    {
        var cmd = _db.CreateCommand();
        cmd.CommandText = sql;
        foreach (var (name, value) in args) cmd.Parameters.AddWithValue(name, value ?? DBNull.Value);
        return cmd;
    }

    public void Write(string sql, params (string, object?)[] args)
    {
        lock (Gate) ExecIn(null, sql, args);
    }

    /// <summary>The first column of the first row; null for no row or SQL NULL.</summary>
    public object? Scalar(string sql, params (string, object?)[] args)
    {
        lock (Gate)
        {
            using var cmd = Command(sql, args);
            var v = cmd.ExecuteScalar();
            return v is DBNull ? null : v;
        }
    }

    public List<T> Query<T>(string sql, Func<SqliteDataReader, T> read, params (string, object?)[] args)
    {
        lock (Gate) return QueryIn(null, sql, read, args);
    }

    /// <summary>Runs a statement inside <paramref name="tx"/> (or none); the caller holds <see cref="Gate"/>.</summary>
    public void ExecIn(SqliteTransaction? tx, string sql, params (string, object?)[] args)
    {
        using var cmd = Command(sql, args);
        cmd.Transaction = tx;
        cmd.ExecuteNonQuery();
    }

    /// <summary>Reads rows inside <paramref name="tx"/> (or none); the caller holds <see cref="Gate"/>.</summary>
    public List<T> QueryIn<T>(SqliteTransaction? tx, string sql, Func<SqliteDataReader, T> read, params (string, object?)[] args)
    {
        using var cmd = Command(sql, args);
        cmd.Transaction = tx;
        using var reader = cmd.ExecuteReader();
        var rows = new List<T>();
        while (reader.Read()) rows.Add(read(reader));
        return rows;
    }

    public static string? Str(SqliteDataReader r, int i) => r.IsDBNull(i) ? null : r.GetString(i);

    /// <summary>Times are stored as round-trip ISO 8601 text.</summary>
    public static DateTimeOffset Time(string s) => DateTimeOffset.Parse(s, CultureInfo.InvariantCulture);

    public static string Format(DateTimeOffset t) => t.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture);

    public void Dispose() => _db.Dispose();
}
