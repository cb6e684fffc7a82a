using Baton.Deploy;
using Baton.Deploy.CrashLoops;
using Baton.Deploy.Rollouts;
using Baton.Deploy.Servers;
using Baton.Deploy.Store;
using Baton.Docker;
using Microsoft.Extensions.Logging;

namespace Baton.Server.Deployments;

/// <summary>
/// Holds the deployer. The Docker engine is connected on first need, so the router
/// serves whether or not an engine runs; a deploy without one gets one clear sentence.
/// </summary>
internal sealed partial class DeployerHost(DeployStore store, IRouterControl router, RolloutBoard board, ILoggerFactory loggers) : IDisposable
{
    private readonly SemaphoreSlim _connect = new(1, 1);
    private readonly CancellationTokenSource _stopping = new();
    private DockerEngine? _engine;
    private ServerFleet? _fleet;
    private AppServers? _servers;
    private Deployer? _deployer;

    /// <summary>The app servers added with <c>baton host add</c>; null: this machine's engine only.</summary>
    public Func<IReadOnlyList<Baton.Hosts.Store.StoredHost>>? Hosts { get; init; }

    public DeployStore Store => store;

    /// <summary>Exits of live containers, for the degraded status; fed from the engine once it is connected.</summary>
    public CrashWatch Crashes { get; } = new(router, TimeProvider.System);

    /// <summary>The stored registry login for an image reference, for the deployer's pulls.</summary>
    public Func<string, RegistryCredentials?>? PullCredentials { get; init; }

    /// <summary>The deployer, connecting to the engine first if needed; else why it cannot.</summary>
    public async Task<(Deployer? Deployer, string? Error)> GetAsync(CancellationToken ct)
    {
        if (_deployer is not null)
        {
            if (_servers is not null) await _servers.RefreshAsync(_fleet!, ct).ConfigureAwait(false);
            return (_deployer, null);
        }
        await _connect.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            if (_deployer is not null) return (_deployer, null);
            var connected = await DockerEngine.ConnectAsync(ct).ConfigureAwait(false);
            bool anyHost = Hosts?.Invoke().Count > 0;
            // A controller that deploys only to app servers needs no engine of its own.
            if (!connected.TryGetValue(out var engine, out var error) && !anyHost) return (null, error.Message);
            _engine = engine;
            _fleet = new ServerFleet(engine);
            if (Hosts is not null)
            {
                _servers = new AppServers(Hosts, loggers.CreateLogger<AppServers>());
                await _servers.RefreshAsync(_fleet, ct).ConfigureAwait(false);
            }
            var deployer = new Deployer(_fleet, store, router, board, loggers.CreateLogger<Deployer>(), PullCredentials);
            await deployer.RecoverAsync(ct).ConfigureAwait(false);
            _ = Crashes.RunAsync(_fleet, _stopping.Token);
            _deployer = deployer;
            if (engine is not null) LogConnected(loggers.CreateLogger<DeployerHost>(), engine.Endpoint.Address, engine.EngineVersion);
            return (_deployer, null);
        }
        finally
        {
            _connect.Release();
        }
    }

    /// <summary>The engines the deployer uses (this machine's and the app servers'), connecting first if needed; else why not.</summary>
    public async Task<(IContainerEngine? Engine, string? Error)> EngineAsync(CancellationToken ct)
    {
        var (deployer, error) = await GetAsync(ct).ConfigureAwait(false);
        return deployer is null ? (null, error) : (_fleet, null);
    }

    /// <summary>
    /// At apply: the network a service file names, checked on the engine. Null when it exists, or
    /// when the engine cannot be reached now (the deploy checks it again before anything starts).
    /// </summary>
    public async Task<string?> MissingNetworkAsync(string network, CancellationToken ct)
    {
        var (deployer, _) = await GetAsync(ct).ConfigureAwait(false);
        if (deployer is null || _engine is null) return null;
        var found = await _engine.NetworkExistsAsync(network, ct).ConfigureAwait(false);
        return found.Error is { Kind: DockerErrorKind.NetworkNotFound } missing ? missing.Message : null;
    }

    private int _disposed;

    /// <summary>Stops the crash watch and the engine connection; a second call (a handover released it already) does nothing.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1) return;
        _stopping.Cancel();
        _stopping.Dispose();
        _engine?.Dispose();
        _servers?.Dispose();
        _connect.Dispose();
    }

    [LoggerMessage(EventId = LogEvents.DockerConnected, Level = LogLevel.Information, Message = "Connected to the Docker engine at {Endpoint} (version {Version})")]
    private static partial void LogConnected(ILogger logger, string endpoint, string version);
}
