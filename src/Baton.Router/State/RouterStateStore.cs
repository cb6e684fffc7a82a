using System.Text.Json;
using Baton.Router.Health;
using Baton.Router.Routing;
using Baton.Router.Targets;

namespace Baton.Router.State;

/// <summary>
/// Saves the routing state on every change with an atomic write (temp file, fsync, rename), and
/// reads it back at start. Restored active targets start healthy so that traffic flows at once;
/// their probes take them out if they are not. A candidate pool is saved for the record but not
/// restored: the rollout that owned it ended with the process.
/// </summary>
public sealed class RouterStateStore(string path)
{
    public string Path { get; } = path;

    public void Save(RouteTable table)
    {
        var state = new PersistedState(1, table.Services.Values.OrderBy(s => s.Name, StringComparer.Ordinal).Select(ToPersisted).ToList());
        var dir = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(Path))!;
        Directory.CreateDirectory(dir);
        var temp = System.IO.Path.Combine(dir, $".{System.IO.Path.GetFileName(Path)}.{Environment.ProcessId}.tmp");
        // Only the owner may read it (mode 600), like every file in the data directory.
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        using (var stream = new FileStream(temp, options))
        {
            JsonSerializer.Serialize(stream, state, PersistedStateJson.Default.PersistedState);
            stream.Flush(flushToDisk: true);
        }
        File.Move(temp, Path, overwrite: true);
    }

    /// <returns>The saved services, or an empty list when there is no file yet.</returns>
    /// <exception cref="InvalidDataException">The file exists but cannot be read as routing state.</exception>
    public IReadOnlyList<ServiceEntry> Load(TimeProvider time)
    {
        if (!File.Exists(Path)) return [];
        PersistedState? state;
        try
        {
            using var stream = File.OpenRead(Path);
            state = JsonSerializer.Deserialize(stream, PersistedStateJson.Default.PersistedState);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"The routing state file {Path} is not valid JSON ({e.Message}); fix or move it away and start again.", e);
        }
        if (state is null) return [];
        return state.Services.Select(s => FromPersisted(s, time)).ToList();
    }

    private static PersistedService ToPersisted(ServiceEntry s) => new(
        s.Name,
        s.Hosts.Select(h => h.ToString()).ToList(),
        s.Path,
        new PersistedHealth(s.Health.Path, s.Health.Interval.TotalSeconds, s.Health.Timeout.TotalSeconds, s.Health.Passes, s.Health.Failures, s.Health.Host, s.Health.EjectAfterConnectFailures),
        s.DrainTimeout.TotalSeconds,
        s.Active?.Targets.Select(t => new PersistedTarget(t.Authority, t.Weight, s.Active.Release is null ? s.Active.ReleaseOf(t) : null)).ToList(),
        s.Candidate?.Targets.Select(t => new PersistedTarget(t.Authority, t.Weight)).ToList(),
        s.Pause?.MaxHold.TotalSeconds,
        s.Pause?.Since,
        s.Maintenance,
        s.Active?.Name,
        s.Staging,
        s.CanaryPercent,
        s.TargetTimeout?.TotalSeconds,
        s.Tls == ServiceTls.Off ? null : new PersistedTls(s.Tls.Auto, s.Tls.RedirectHttps, s.Tls.Hsts),
        s.Active?.Release);

    private static ServiceEntry FromPersisted(PersistedService s, TimeProvider time)
    {
        var health = new HealthCheckOptions
        {
            Path = s.Health.Path,
            Interval = TimeSpan.FromSeconds(s.Health.IntervalSeconds),
            Timeout = TimeSpan.FromSeconds(s.Health.TimeoutSeconds),
            Passes = s.Health.Passes,
            Failures = s.Health.Failures,
            Host = s.Health.Host,
            EjectAfterConnectFailures = s.Health.EjectAfter,
        };
        return new ServiceEntry
        {
            Name = s.Name,
            Hosts = s.Hosts.Select(h => HostPattern.TryParse(h, out var p, out _) ? p : throw new InvalidDataException($"Saved host '{h}' of {s.Name} is invalid.")).ToList(),
            Path = s.Path,
            Health = health,
            DrainTimeout = TimeSpan.FromSeconds(s.DrainTimeoutSeconds),
            TargetTimeout = s.TargetTimeoutSeconds is { } seconds and > 0 ? TimeSpan.FromSeconds(seconds) : null,
            Active = s.Active is null ? null : Pool(s.Active, TargetHealth.Healthy, s.ActiveName, s.ActiveRelease, time),
            Staging = s.Staging,
            Tls = s.Tls is { } tls ? new ServiceTls(tls.Auto, tls.RedirectHttps, tls.Hsts) : ServiceTls.Off,
            // A candidate belonged to a rollout that died with the previous process; it is not restored.
            Pause = s.PauseMaxSeconds is { } max ? new PauseGate(TimeSpan.FromSeconds(max), s.PausedSince ?? time.GetUtcNow()) : null,
            Maintenance = s.Maintenance,
            // Kept for a candidate restored by its owner; with no candidate it routes nothing.
            CanaryPercent = s.CanaryPercent is >= 0 and <= 100 ? s.CanaryPercent : 0,
        };
    }

    /// <param name="release">The pool's release; null when unknown (a file from before releases were kept) or when its targets name their own.</param>
    private static TargetPool Pool(IReadOnlyList<PersistedTarget> targets, TargetHealth initial, string? name, string? release, TimeProvider time) =>
        TargetPool.Of(targets.Select(t => TargetAddress.TryParse(t.Address, out var a, out var e)
            ? (new Target(a, t.Weight, initial, time), t.Release ?? release)
            : throw new InvalidDataException(e)), name);
}
