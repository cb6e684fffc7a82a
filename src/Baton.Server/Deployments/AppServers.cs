using Baton.Deploy.Servers;
using Baton.Hosts.Remote;
using Baton.Hosts.Ssh;
using Baton.Hosts.Store;
using Microsoft.Extensions.Logging;

namespace Baton.Server.Deployments;

/// <summary>
/// The app servers added with <c>baton host add</c>, as the deployer's fleet sees them: for each
/// host whose key is pinned, one SSH connection (reused across calls) to its forced command and
/// the engine behind it. The address its containers are reached at is the one the host's own
/// config publishes on (its ping says it); until it answers once, its SSH address.
/// Kept in step with the host store before each deploy: an added, changed or removed host takes
/// effect without a restart.
/// </summary>
internal sealed partial class AppServers(Func<IReadOnlyList<StoredHost>> stored, ILogger<AppServers> logger) : IDisposable
{
    private readonly Dictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _lock = new(1, 1);

    /// <summary>Brings the fleet's servers in line with the host store.</summary>
    public async Task RefreshAsync(ServerFleet fleet, CancellationToken ct)
    {
        await _lock.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            var hosts = stored().Where(h => h.HostKey is not null).ToDictionary(h => h.Name, StringComparer.Ordinal);
            // A drain changes no connection: only the SSH side of a host makes a new one.
            foreach (var name in _entries.Keys.Where(n => !hosts.TryGetValue(n, out var h) || h with { Drained = false } != _entries[n].Host with { Drained = false }).ToList())
            {
                _entries[name].Engine.Dispose();
                _entries[name].Transport.Dispose();
                _entries.Remove(name);
            }
            foreach (var host in hosts.Values.Where(h => !_entries.ContainsKey(h.Name)))
            {
                var transport = new SshTransport(host.Name, host.Ssh, host.Key, host.HostKey!);
                _entries[host.Name] = new Entry(host, transport, new RemoteEngine(transport, Calls with { Debug = note => LogNote(logger, note) }), null);
            }
            foreach (var (name, host) in hosts) _entries[name] = _entries[name] with { Host = host };
            foreach (var (name, entry) in _entries.Where(e => e.Value.Address is null).ToList())
            {
                using var quick = CancellationTokenSource.CreateLinkedTokenSource(ct);
                quick.CancelAfter(TimeSpan.FromSeconds(10));
                var ping = await entry.Engine.PingAsync(quick.Token).ConfigureAwait(false);
                if (ping.TryGetValue(out var info, out _)) _entries[name] = entry with { Address = info.Address };
            }
            fleet.Update(_entries.Values.Select(e => new AppServer(e.Host.Name, e.Address ?? e.Host.Ssh.Address, e.Engine, e.Host.Drained)));
        }
        finally
        {
            _lock.Release();
        }
    }

    public void Dispose()
    {
        foreach (var entry in _entries.Values)
        {
            // The engine's idle session channels first: their agents end on the closed input, not on a dropped connection.
            entry.Engine.Dispose();
            entry.Transport.Dispose();
        }
        _entries.Clear();
        _lock.Dispose();
    }

    /// <summary>
    /// A call to an app server that gets no answer within 20 s counts it unreachable: a deploy that
    /// lost a server says so (and cleans up elsewhere) in seconds, not minutes. Calls that wait by
    /// nature (stop, wait, pull) get their own time on top.
    /// </summary>
    private static readonly RemoteEngineOptions Calls = new() { RequestTimeout = TimeSpan.FromSeconds(20) };

    [LoggerMessage(EventId = LogEvents.AppServerNote, Level = LogLevel.Debug, Message = "{Note}")]
    private static partial void LogNote(ILogger logger, string note);

    private sealed record Entry(StoredHost Host, SshTransport Transport, RemoteEngine Engine, string? Address);
}
