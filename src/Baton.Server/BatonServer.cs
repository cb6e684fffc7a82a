using System.Net;
using System.Security.Cryptography.X509Certificates;
using Baton.Contracts;
using Baton.Deploy.Rollouts;
using Baton.Deploy.Store;
using Baton.Hosts.Remote;
using Baton.Hosts.Ssh;
using Baton.Hosts.Store;
using Baton.Registry;
using Baton.Registry.Credentials;
using Baton.Server.Deployments;
using Baton.Router;
using Baton.Router.Forwarding;
using Baton.Router.Listeners;
using Baton.Router.Logging;
using Baton.Router.Metrics;
using Baton.Router.Rollout;
using Baton.Router.Routing;
using Baton.Router.State;
using Baton.Router.Tls;
using Baton.Server.Api;
using Baton.Server.Audit;
using Baton.Server.Auth;
using Baton.Server.RouterLink;
using Baton.Server.Web;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;

namespace Baton.Server;

/// <summary>
/// <c>baton server</c>: the router's listeners (public, h2c, TLS, staging) and the admin API in one
/// process, as two Kestrel hosts sharing one routing state. The router host has nothing on its
/// request path but the forwarder.
/// </summary>
public sealed class BatonServer : IAsyncDisposable
{
    private readonly ServerOptions _options;
    private readonly CancellationTokenSource _stopping = new();
    private WebApplication? _proxy;
    private WebApplication? _admin;
    private RoutingState? _state;
    private TargetForwarder? _forwarder;
    private ProxyHandler? _handler;
    private AutoCertificates? _certificates;
    private RequestLog? _requestLog;
    private ITimer? _trafficTimer;
    private readonly AcceptSwitch _accepting = new();
    private ILoggerFactory? _loggerFactory;
    private DeployStore? _store;
    private AccessStore? _access;
    private DeployerHost? _deployers;
    private RegistryClient? _registry;
    private DataDirectoryLock? _dataLock;
    private RemoteRouter? _remote;
    private MultiRouter? _routers;
    private WebApplication? _link;
    private string? _linkSocket;
    private Task? _linkStopping;
    private readonly LinkGate _linkGate = new();

    public BatonServer(ServerOptions options) => _options = options;

    /// <summary>Public listener URLs, once started (port 0 resolved).</summary>
    public IReadOnlyList<string> ProxyUrls { get; private set; } = [];
    public string? ProxyTlsUrl { get; private set; }
    public string? ProxyH2cUrl { get; private set; }

    /// <summary>The staging listener's URL once started, or null when it runs none.</summary>
    public string? StagingUrl { get; private set; }
    public string AdminUrl { get; private set; } = "";

    /// <summary>The admin listener as bound (<c>http://0.0.0.0:9000</c> when it answers on every interface), for the banner.</summary>
    public string AdminBoundUrl { get; private set; } = "";

    /// <summary>True when the admin listener answers beyond loopback without TLS (<see cref="ServerOptions.AdminInsecure"/>).</summary>
    public bool AdminExposedInClear { get; private set; }

    /// <summary>The admin token in clear if this start created it, else null.</summary>
    public string? CreatedToken { get; private set; }

    public string TokenFile => AdminToken.TokenFile(_options.DataDirectory);

    /// <summary>The first-start password of the user <c>admin</c> if this start created it, else null.</summary>
    public string? CreatedPassword { get; private set; }

    public string PasswordFile => FirstAdmin.PasswordFile(_options.DataDirectory);

    /// <summary>The router process's PID: this one, or (in a controller) the one its control socket reaches.</summary>
    public int RouterPid => _remote?.Process().Pid ?? Environment.ProcessId;

    /// <summary>The routing state and rollout, for tests that stage a candidate without switching (no public API does yet).</summary>
    internal RoutingState? State => _state;
    internal PoolRollout? Rollout { get; private set; }

    /// <summary>Every endpoint of the admin listener, for the test that proves each one refuses anonymous calls.</summary>
    internal IReadOnlyList<Microsoft.AspNetCore.Routing.RouteEndpoint> AdminEndpoints =>
        _admin!.Services.GetServices<Microsoft.AspNetCore.Routing.EndpointDataSource>()
            .SelectMany(d => d.Endpoints).OfType<Microsoft.AspNetCore.Routing.RouteEndpoint>().ToList();

    /// <summary>Starts both listeners. Throws <see cref="ServerStartException"/> with one sentence when it cannot.</summary>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            await StartCoreAsync(cancellationToken);
        }
        catch
        {
            // A server that did not start leaves the data directory to the next one at once,
            // even if its caller never disposes it.
            _dataLock?.Dispose();
            _dataLock = null;
            throw;
        }
    }

    private async Task StartCoreAsync(CancellationToken cancellationToken)
    {
        var (listeners, adminEndPoint, adminCertificate) = CheckListeners(_options);
        AdminExposedInClear = adminCertificate is null && !IPAddress.IsLoopback(adminEndPoint.Address);

        CreatePrivateDirectory(_options.DataDirectory);
        // One server per data directory, before any store opens or any recovery runs: a second
        // one would "recover" the first one's running deploy.
        // Under a supervisor, the supervisor holds it for every worker it runs.
        if (_options.InheritedSockets is null)
            _dataLock = DataDirectoryLock.TryAcquire(_options.DataDirectory, out var lockError) ?? throw new ServerStartException(lockError);
        _loggerFactory = LoggerFactory.Create(b => b
            .AddSimpleConsole(o => { o.SingleLine = true; o.TimestampFormat = "HH:mm:ss "; })
            .SetMinimumLevel(_options.LogLevel)
            .AddFilter("Microsoft", LogLevel.Warning)
            // YARP logs every failed forward at Information; the router logs its own, with the service.
            .AddFilter("Yarp", LogLevel.Warning)
            // Enabled at any level, ASP.NET Core's request logging starts an Activity and a log scope for
            // every request (HostingApplicationDiagnostics); Baton logs what matters itself, and Kestrel's
            // own category still reports an unhandled exception.
            .AddFilter("Microsoft.AspNetCore.Hosting.Diagnostics", LogLevel.None)
            // A host that fails to start logs the exception with its stack trace; StartOrExplainAsync
            // already tells the user why in one sentence.
            .AddFilter("Microsoft.Extensions.Hosting.Internal.Host", LogLevel.None));
        DataDirectoryModes.Check(_options.DataDirectory, _loggerFactory.CreateLogger("Baton.Server.DataDirectory"));

        if (_options.Role == ServerRole.Controller)
        {
            // The controller's calls to its routers block a thread each (IRouterControl is synchronous), several
            // at once with router hosts. On 2 cores the pool starts with 2 threads and adds one about a second
            // at a time, which showed as up to 1.6 s between the routers' switches (bench/hosts.sh).
            ThreadPool.GetMinThreads(out var workers, out var io);
            ThreadPool.SetMinThreads(Math.Max(workers, 16), io);
        }
        IRouterAccess router = _options.Role == ServerRole.Controller
            ? _remote = new RemoteRouter(Path.Combine(_options.DataDirectory, RouterLinkApi.SocketFile))
            : CreateRouter(listeners);
        if (_options.Role != ServerRole.Router) CreateController(router, adminEndPoint, adminCertificate);

        _certificates?.ServeStored();
        if (_proxy is not null) await StartOrExplainAsync(_proxy, listeners.Select(l => (l.Name, l.Address, l.EndPoint)).ToList(), cancellationToken);
        if (_link is not null)
        {
            if (_options.TestControlSocketDelay > TimeSpan.Zero)
            {
                // Test-only: the line tells the test its state is loaded and the window is open.
                Console.Out.WriteLine($"Router process PID {Environment.ProcessId}: state loaded; the control socket waits {_options.TestControlSocketDelay.TotalMilliseconds:0} ms (test delay).");
                await Task.Delay(_options.TestControlSocketDelay, cancellationToken);
            }
            await _link.StartAsync(cancellationToken);
            // Its directory lets no one else in already; the socket itself is owner-only too, as every file Baton makes.
            if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(_linkSocket!, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
        if (_admin is not null) await StartOrExplainAsync(_admin, [("admin", _options.Admin, adminEndPoint)], cancellationToken);

        // Kestrel lists addresses in the order they were bound, the order of the list; an inherited
        // socket is listed as a handle, so its URL is made from the address the supervisor bound.
        var urls = _options.InheritedSockets is { } inherited
            ? listeners.ToDictionary(l => l.Kind, l => Url(l.Kind == ListenerKind.Tls ? "https" : "http", inherited[l.Name].EndPoint))
            : listeners.Zip(Addresses(_proxy!)).ToDictionary(p => p.First.Kind, p => p.Second);
        ProxyUrls = [urls[ListenerKind.Public]];
        ProxyH2cUrl = urls.GetValueOrDefault(ListenerKind.H2c);
        ProxyTlsUrl = urls.GetValueOrDefault(ListenerKind.Tls);
        // https_redirect sends clients to the TLS listener's port (none shown for 443).
        if (_handler is not null && ProxyTlsUrl is not null) _handler.HttpsPort = new Uri(ProxyTlsUrl).Port;
        _certificates?.Start();
        StagingUrl = urls.GetValueOrDefault(ListenerKind.Staging);
        if (_options.InheritedSockets is { } sockets)
        {
            // A router run alone (baton router run) has no admin socket.
            if (sockets.TryGetValue("admin", out var adminSocket))
            {
                var scheme = adminCertificate is null ? "http" : "https";
                AdminBoundUrl = $"{scheme}://{adminSocket.EndPoint}";
                AdminUrl = Url(scheme, adminSocket.EndPoint);
            }
        }
        else
        {
            AdminUrl = Addresses(_admin!)[0];
            AdminBoundUrl = BoundAddresses(_admin!)[0];
        }
        // The controller finds the router by this name: pointed at the new router's socket only once it listens.
        if (_linkSocket is not null) PublishLink(_linkSocket);

        // Finish or roll back what a stopped Baton left half-done, when an engine answers.
        // Connect at once when there is something to recover, or live services whose crashes the degraded status watches.
        if (_store is not null && (_store.Unfinished().Count > 0 || _store.ServiceNames().Count > 0)) _ = _deployers!.GetAsync(CancellationToken.None);
    }

    /// <summary>
    /// The data plane: the routing state (loaded from the data directory), the forwarder and the
    /// public host; in a router process also its control socket for the controller.
    /// </summary>
    private LocalRouter CreateRouter(List<RouterListener> listeners)
    {
        var time = TimeProvider.System;
        var loggers = _loggerFactory!;
        try
        {
            _state = new RoutingState(new RouterStateStore(Path.Combine(_options.DataDirectory, "router-state.json")), time, loggers.CreateLogger<RoutingState>());
        }
        catch (InvalidDataException e)
        {
            throw new ServerStartException(e.Message);
        }
        var routerOptions = new RouterOptions();
        var counters = new RouterCounters();
        if (_options.RequestLog is { } log)
        {
            try
            {
                _requestLog = new RequestLog(log, counters, time, loggers.CreateLogger<RequestLog>());
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new ServerStartException($"Cannot open the request log {log.Destination} for appending: {e.Message.TrimEnd('.')}.");
            }
        }
        _forwarder = new TargetForwarder(routerOptions.ConnectTimeout, loggers, time);
        var handler = new ProxyHandler(_state, _forwarder, routerOptions, counters, loggers.CreateLogger<ProxyHandler>(), _requestLog);
        _handler = handler;
        // Automatic HTTPS: certificates for the tls: auto services' hosts, served by SNI on the TLS
        // listener; the public listeners answer their http-01 challenges.
        if (_options.ListenTls is not null)
        {
            _certificates = CreateCertificates(_state, loggers, time);
            handler.Challenges = _certificates.Challenges;
            var i = listeners.FindIndex(l => l.Kind == ListenerKind.Tls);
            listeners[i] = RouterListener.Tls(listeners[i].EndPoint, listeners[i].Address, listeners[i].Certificate, _certificates.Select);
        }
        var rollout = new PoolRollout(_state, loggers.CreateLogger<PoolRollout>());
        Rollout = rollout;
        var admin = new RouterAdmin(_state, () => StagingUrl is null ? null : new Uri(StagingUrl));
        // The page's charts: a point per colour every 5 s, read from the targets' windows off the request path.
        var traffic = new TrafficSeries(time);
        var state = _state;
        _trafficTimer = traffic.Start(() => state.Current);
        var router = new LocalRouter(_state, rollout, admin, counters, traffic, () => StagingUrl is null ? null : new Uri(StagingUrl));

        // The public host: Kestrel and the forwarder, nothing else on the request path. Its request
        // code runs inline on the socket threads (no hop to the thread pool): the forwarder never
        // blocks. The admin host keeps the thread pool, since its endpoints do synchronous SQLite work.
        _proxy = CreateHost(inlineScheduling: true, accepting: _accepting, kestrel: kestrel =>
        {
            kestrel.Limits.MaxRequestBodySize = null; // bodies stream through; the app sets its own limits
            kestrel.Limits.MinRequestBodyDataRate = null;
            kestrel.Limits.MinResponseDataRate = null;
            // Header values cross as bytes: Latin-1 maps each byte to one char and back, and the
            // forwarder's client uses it too, so UTF-8 in a Cookie reaches the target as sent.
            // Control characters are refused, :path stays UTF-8 (RequestHeaderDecoding).
            kestrel.RequestHeaderEncodingSelector = RequestHeaderDecoding.Select;
            kestrel.ResponseHeaderEncodingSelector = static _ => TargetForwarder.HeaderEncoding;
            // What each listener speaks and who it serves is the router's knowledge; the host only binds.
            foreach (var listener in listeners) Listen(kestrel, listener.Name, listener.EndPoint, listener.Configure);
        });
        _proxy.Run(handler.InvokeAsync);

        if (_options.Role == ServerRole.Router)
        {
            // Each router process its own socket file; the link name points at the one that serves.
            _linkSocket = Path.Combine(_options.DataDirectory, $"router-{Environment.ProcessId}.sock");
            File.Delete(_linkSocket);
            _link = CreateHost(kestrel => kestrel.ListenUnixSocket(_linkSocket));
            RouterLinkApi.Map(_link, router, _stopping.Token, _linkGate);
        }
        return router;
    }

    /// <summary>The control plane: token, stores, users, the deployer, the admin API and the page.</summary>
    private void CreateController(IRouterAccess router, IPEndPoint adminEndPoint, X509Certificate2? adminCertificate)
    {
        var time = TimeProvider.System;
        AdminToken token;
        try
        {
            token = AdminToken.LoadOrCreate(_options.DataDirectory);
        }
        catch (InvalidDataException e)
        {
            throw new ServerStartException(e.Message);
        }
        CreatedToken = token.CreatedToken;
        try
        {
            _store = new DeployStore(Path.Combine(_options.DataDirectory, "baton.db"), time);
        }
        catch (Exception e) when (e is InvalidDataException or Microsoft.Data.Sqlite.SqliteException)
        {
            throw new ServerStartException($"Cannot open the database in {_options.DataDirectory}: {e.Message}");
        }
        RegistryCredentialStore logins;
        try
        {
            logins = RegistryCredentialStore.Open(_options.DataDirectory);
        }
        catch (InvalidDataException e)
        {
            throw new ServerStartException(e.Message);
        }
        _registry = new RegistryClient(logins.Get, time);
        HostStore hosts;
        // The hosts' and routers' private keys are sealed with secrets.key, the key of the service definitions (made by the store above).
        var keys = new PrivateKeySeal(DefinitionCipher.OpenOrCreate(_options.DataDirectory));
        try
        {
            hosts = HostStore.Open(_options.DataDirectory, keys);
        }
        catch (InvalidDataException e)
        {
            throw new ServerStartException(e.Message);
        }
        // Router hosts (baton router add) beside this controller's own router: every switch lands on all of them or on none.
        HostStore routerHosts;
        try
        {
            routerHosts = HostStore.Open(_options.DataDirectory, MultiRouter.FileName, keys);
        }
        catch (InvalidDataException e)
        {
            throw new ServerStartException(e.Message);
        }
        var routers = _routers = new MultiRouter(router, routerHosts, new SshTransportOptions(), _loggerFactory!.CreateLogger<MultiRouter>());
        router = routers;
        try
        {
            _access = new AccessStore(AccessStore.FileIn(_options.DataDirectory), time);
            CreatedPassword = FirstAdmin.Ensure(_access, _options.DataDirectory);
        }
        catch (Exception e) when (e is InvalidDataException or Microsoft.Data.Sqlite.SqliteException)
        {
            throw new ServerStartException($"Cannot open the users database in {_options.DataDirectory}: {e.Message}");
        }
        var audit = new AuditLog(_access);
        var sessions = new Sessions(_access, time, _options.SessionIdleTimeout, _options.SessionLifetime);
        var throttle = new LoginThrottle(_access, time, _options.LoginThrottle);
        var rollouts = new RolloutBoard();
        _deployers = new DeployerHost(_store, router, rollouts, _loggerFactory!) { PullCredentials = image => PullLogins.For(logins, image), Hosts = hosts.List };
        _deployers.Crashes.RouterAnswers = router.AnswersOf;

        _admin = CreateHost(kestrel => Listen(kestrel, "admin", adminEndPoint, l =>
        {
            if (adminCertificate is not null) l.UseHttps(adminCertificate);
        }), services =>
        {
            services.AddOpenApi(ApiDocument.Configure);
            // A route or query value that does not bind throws, so ApiEdgesMiddleware can answer it with a sentence.
            services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        });
        _admin.UseMiddleware<SecurityHeadersMiddleware>();
        _admin.UseMiddleware<AuthMiddleware>(token, _access, sessions, audit);
        _admin.UseMiddleware<ApiEdgesMiddleware>();
        WebPage.Map(_admin);
        ServicesApi.Map(_admin, router, _store, () => ProxyUrls.Count > 0 ? new Uri(ProxyUrls[0]).Port : null, rollouts, _deployers.Crashes.Degraded);
        DeploymentsApi.Map(_admin, router, _deployers, time, _stopping.Token, httpsListener: _options.ListenTls is not null);
        RegistriesApi.Map(_admin, router, _store, _registry, logins);
        SessionApi.Map(_admin, _access, sessions, throttle, audit);
        UsersApi.Map(_admin, _access);
        TokensApi.Map(_admin, _access, time);
        AuditApi.Map(_admin, audit);
        HostsApi.Map(_admin, hosts, time, new SshTransportOptions(), new RemoteEngineOptions { RequestTimeout = TimeSpan.FromSeconds(30) }, _deployers, _stopping.Token);
        LogsApi.Map(_admin, router, _deployers, time, _stopping.Token);
        TrafficApi.Map(_admin, router, _deployers, time);
        RouterApi.Map(_admin, router, _store);
        RoutersApi.Map(_admin, routers, routerHosts, time, new SshTransportOptions());
        ApiDocument.Map(_admin);
    }

    /// <summary>
    /// Points <c>router.sock</c> in the data directory at this router's socket, in one rename: the
    /// controller's next call reaches this process, never a missing file.
    /// </summary>
    private void PublishLink(string socket)
    {
        var link = Path.Combine(_options.DataDirectory, RouterLinkApi.SocketFile);
        var temp = link + $".{Environment.ProcessId}.tmp";
        File.Delete(temp);
        File.CreateSymbolicLink(temp, Path.GetFileName(socket));
        File.Move(temp, link, overwrite: true);
    }

    /// <summary>
    /// A supervisor's handover, step 1: stops the admin API and the deployer (a running deployment
    /// is stopped as at SIGTERM, for the next worker to finish or roll back) while the public
    /// listeners go on serving. The router state is saved at every change already.
    /// </summary>
    /// <remarks>
    /// A router process takes no control call that changes its state from here on: the next
    /// process loads the saved state once this returns, and a change made here after that would be
    /// lost (a switch the controller was told succeeded). In order: a stage still waiting for its
    /// health checks and a <c>--target</c> deploy are cancelled (they fail, nothing switched); the
    /// control socket's file goes, so the controller's next connect waits for the next process to
    /// take the name; its listener stops (calls in flight go on: a drain waits for this process's
    /// own requests); then the gate closes (a call on a connection taken a moment before is refused
    /// in one sentence) and the changes in flight, quick ones, are waited for.
    /// </remarks>
    public async Task ReleaseControlAsync()
    {
        await _stopping.CancelAsync();
        if (_admin is not null) await _admin.StopAsync(CancellationToken.None);
        _deployers?.Dispose();
        if (_link is null) return;
        File.Delete(_linkSocket!);
        _linkStopping ??= _link.StopAsync(CancellationToken.None);
        await _linkGate.CloseAsync();
        _state?.StopSaving();
    }

    /// <summary>
    /// A supervisor's handover, step 3, before <see cref="StopAsync"/>: HTTP/1.1 answers carry
    /// <c>Connection: close</c> for <paramref name="period"/>, so clients with kept-alive
    /// connections reconnect (to the new worker, or to this one for one more answer) instead of
    /// having an idle connection closed under a request they are sending.
    /// </summary>
    public async Task CloseKeptAliveConnectionsAsync(TimeSpan period)
    {
        // The control socket stopped at the release already (ReleaseControlAsync); this is for a stop without one.
        _linkStopping ??= _link?.StopAsync(CancellationToken.None);
        if (_handler is null) return;
        // The next process takes every new connection; this one answers the ones it has, each with Connection: close.
        _accepting.Pause();
        _handler.CloseConnections = true;
        await Task.Delay(period);
    }

    /// <summary>Stops accepting, lets in-flight requests finish (up to the shutdown timeout), then stops.</summary>
    public async Task StopAsync()
    {
        await _stopping.CancelAsync();
        using var timeout = new CancellationTokenSource(_options.ShutdownTimeout);
        if (_admin is not null) await _admin.StopAsync(CancellationToken.None);
        if (_proxy is not null) await _proxy.StopAsync(timeout.Token);
        if (_link is not null) await (_linkStopping ??= _link.StopAsync(CancellationToken.None));
        // After the listeners: the lines of the requests that finished while they drained are written too.
        if (_requestLog is not null) await _requestLog.DisposeAsync();
    }

    public async ValueTask DisposeAsync()
    {
        _trafficTimer?.Dispose();
        if (_proxy is not null) await _proxy.DisposeAsync();
        if (_requestLog is not null) await _requestLog.DisposeAsync();
        if (_admin is not null) await _admin.DisposeAsync();
        if (_link is not null) await _link.DisposeAsync();
        if (_linkSocket is not null) File.Delete(_linkSocket);
        _remote?.Dispose();
        _routers?.Dispose();
        _forwarder?.Dispose();
        _certificates?.Dispose();
        _deployers?.Dispose();
        _registry?.Dispose();
        _store?.Dispose();
        _access?.Dispose();
        _state?.Dispose();
        _loggerFactory?.Dispose();
        _stopping.Dispose();
        _dataLock?.Dispose(); // last: nothing of this server touches the data directory any more
    }

    private WebApplication CreateHost(Action<KestrelServerOptions> kestrel, Action<IServiceCollection>? services = null, bool inlineScheduling = false, AcceptSwitch? accepting = null)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });
        builder.WebHost.UseSockets(o => o.UnsafePreferInlineScheduling = inlineScheduling);
        // Registered last, so Kestrel binds through it: the sockets transport, with a switch to stop accepting.
        if (accepting is not null)
            builder.Services.AddSingleton<IConnectionListenerFactory>(sp => new PausableListenerFactory(
                new SocketTransportFactory(sp.GetRequiredService<IOptions<SocketTransportOptions>>(), sp.GetRequiredService<ILoggerFactory>()), accepting));
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(_loggerFactory!);
        builder.Services.AddSingleton<IHostLifetime, ProcessLifetime>(); // signals are handled by the CLI, once for both hosts
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = _options.ShutdownTimeout);
        builder.Services.ConfigureHttpJsonOptions(o => o.SerializerOptions.TypeInfoResolverChain.Insert(0, BatonJson.Default));
        services?.Invoke(builder.Services);
        // The default startup filters put host filtering (AllowedHosts, "*" here) in front of every
        // request; the router routes by host itself and the admin API checks its own requests.
        builder.Services.RemoveAll<IStartupFilter>();
        builder.WebHost.ConfigureKestrel(o =>
        {
            o.AddServerHeader = false;
            kestrel(o);
        });
        return builder.Build();
    }

    /// <summary>
    /// Every listener setting checked before anything binds (addresses, certificates, the staging
    /// allowlist, the admin policy), so a supervisor refuses what its worker would: one sentence each.
    /// </summary>
    /// <returns>Every listener by the name its socket goes by (<c>public</c>, <c>h2c</c>, <c>tls</c>, <c>staging</c>, <c>admin</c>) and its address, in binding order: what a supervisor opens.</returns>
    /// <exception cref="ServerStartException">A setting that cannot be honoured.</exception>
    public static IReadOnlyList<(string Name, string Address)> Check(ServerOptions options)
    {
        CheckRequestLog(options);
        return [.. CheckListeners(options).Listeners.Select(l => (l.Name, l.Address)), ("admin", options.Admin)];
    }

    /// <summary>The same as <see cref="Check"/> for <c>baton router run</c>: the router's listeners alone, no admin listener.</summary>
    /// <exception cref="ServerStartException">A setting that cannot be honoured.</exception>
    public static IReadOnlyList<(string Name, string Address)> CheckRouter(ServerOptions options)
    {
        CheckRequestLog(options);
        return [.. RouterListeners(options).Select(l => (l.Name, l.Address))];
    }

    /// <summary>A request log file must open for appending (it is created if missing), as the router process will open it.</summary>
    private static void CheckRequestLog(ServerOptions options)
    {
        if (options.RequestLog is not { ToStandardOutput: false } log) return;
        try
        {
            RequestLog.CheckWritable(log.Destination);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ServerStartException($"Cannot open the request log {log.Destination} for appending: {e.Message.TrimEnd('.')}.");
        }
    }

    private static (List<RouterListener> Listeners, IPEndPoint Admin, X509Certificate2? AdminCertificate) CheckListeners(ServerOptions options)
    {
        var listeners = RouterListeners(options);
        if (!ListenAddress.TryParse(options.Admin, out var adminEndPoint, out var error)) throw new ServerStartException(error);
        bool adminTls = options.AdminTlsCertificate is not null || options.AdminTlsKey is not null;
        if (AdminListenerPolicy.Refusal(adminEndPoint, adminTls, options.AdminInsecure) is { } refusal) throw new ServerStartException(refusal);
        var adminCertificate = adminTls ? LoadCertificate(options.AdminTlsCertificate, options.AdminTlsKey, "--admin-tls-cert", "--admin-tls-key") : null;
        return (listeners, adminEndPoint, adminCertificate);
    }

    /// <summary>The router's listeners, in the order they are bound: public, then h2c, TLS and staging when asked for.</summary>
    private static List<RouterListener> RouterListeners(ServerOptions _options)
    {
        CheckAcme(_options);
        var listeners = new List<RouterListener> { RouterListener.Public(Parse(_options.Listen), _options.Listen) };
        if (_options.ListenH2c is not null) listeners.Add(RouterListener.H2c(Parse(_options.ListenH2c), _options.ListenH2c));
        if (_options.ListenTls is not null)
        {
            var endPoint = Parse(_options.ListenTls);
            // Without --tls-cert only automatic certificates (tls: auto services) serve; the router process sets their selector.
            var fallback = _options.TlsCertificate is null && _options.TlsKey is null ? null : LoadCertificate(_options.TlsCertificate, _options.TlsKey, "--tls-cert", "--tls-key");
            listeners.Add(RouterListener.Tls(endPoint, _options.ListenTls, fallback, static _ => null));
        }
        if (string.Equals(_options.ListenStaging.Trim(), RouterListener.None, StringComparison.OrdinalIgnoreCase))
        {
            if (_options.StagingAllow is not null) throw new ServerStartException("--staging-allow needs a staging listener; drop it, or give --listen-staging an address.");
            return listeners;
        }
        var staging = RouterListener.Staging(Parse(_options.ListenStaging), _options.ListenStaging, _options.StagingAllow, out var error);
        listeners.Add(staging ?? throw new ServerStartException(error));
        return listeners;

        static IPEndPoint Parse(string address) =>
            ListenAddress.TryParse(address, out var endPoint, out var error) ? endPoint : throw new ServerStartException(error);
    }

    /// <summary>The ACME settings, each refused with one sentence when it cannot be honoured.</summary>
    private static void CheckAcme(ServerOptions options)
    {
        if (options.ListenTls is null)
        {
            var flag = options.AcmeEmail is not null ? "--acme-email" : options.AcmeDirectory is not null ? "--acme-directory" : options.AcmeCaCertificate is not null ? "--acme-ca" : null;
            if (flag is not null) throw new ServerStartException($"{flag} needs an HTTPS listener to serve the certificates on; add --listen-tls :443.");
            return;
        }
        if (options.AcmeDirectory is { } directory && !(Uri.TryCreate(directory, UriKind.Absolute, out var uri) && uri.Scheme is "https" or "http"))
            throw new ServerStartException($"--acme-directory '{directory}' is not a URL; give the ACME directory's, e.g. {Baton.Acme.Renewal.CertificateOptions.LetsEncrypt}.");
        if (options.AcmeEmail is { } email && (email.Split('@') is not [{ Length: > 0 }, { Length: > 0 }] || email.Any(c => char.IsWhiteSpace(c) || c is ',' or ';' or ':')))
            throw new ServerStartException($"--acme-email '{email}' is not an email address; give one the CA may write to about your certificates.");
        if (options.AcmeCaCertificate is { } ca)
        {
            try
            {
                CustomRootTrust.Validator(ca);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException)
            {
                throw new ServerStartException($"Cannot read the CA certificate --acme-ca {ca}: {e.Message.TrimEnd('.')}.");
            }
        }
    }

    /// <summary>The router's automatic certificates, from the ACME directory of the options (Let's Encrypt's by default).</summary>
    private AutoCertificates CreateCertificates(RoutingState state, ILoggerFactory loggers, TimeProvider time)
    {
        var options = new Baton.Acme.Renewal.CertificateOptions
        {
            Directory = _options.AcmeDirectory is { } directory ? new Uri(directory) : Baton.Acme.Renewal.CertificateOptions.LetsEncrypt,
            Email = _options.AcmeEmail,
        };
        // A private directory (a test CA such as pebble) is trusted through exactly its CA, never by turning validation off.
        var handler = _options.AcmeCaCertificate is { } ca
            ? new SocketsHttpHandler { SslOptions = { RemoteCertificateValidationCallback = CustomRootTrust.Validator(ca) } }
            : null;
        try
        {
            return AutoCertificates.Create(state, _options.DataDirectory, options, handler, loggers, time);
        }
        catch (InvalidDataException e)
        {
            throw new ServerStartException(e.Message);
        }
    }

    /// <summary>Starts a host; a listener that cannot bind is named in one sentence.</summary>
    private static async Task StartOrExplainAsync(WebApplication app, IReadOnlyList<(string Which, string Address, IPEndPoint EndPoint)> listeners, CancellationToken cancellationToken)
    {
        try
        {
            await app.StartAsync(cancellationToken);
        }
        catch (IOException e) when (e.InnerException is Microsoft.AspNetCore.Connections.AddressInUseException || e.Message.Contains("address already in use", StringComparison.OrdinalIgnoreCase))
        {
            var (which, address) = Failed(listeners, e);
            throw new ServerStartException($"The {which} address {address} is already in use; stop what listens there or pass another address.");
        }
        catch (System.Net.Sockets.SocketException e)
        {
            var (which, address) = Failed(listeners, e);
            throw new ServerStartException($"Cannot listen on the {which} address {address}: {e.Message}.");
        }
    }

    /// <summary>Which listener failed: Kestrel names the address it could not bind (<c>http://127.0.0.1:8081: address already in use</c>).</summary>
    private static (string Which, string Address) Failed(IReadOnlyList<(string Which, string Address, IPEndPoint EndPoint)> listeners, Exception e)
    {
        var text = e.Message + " " + e.InnerException?.Message;
        foreach (var (which, address, endPoint) in listeners)
            if (endPoint.Port != 0 && text.Contains($":{endPoint.Port}:", StringComparison.Ordinal)) return (which, address);
        return (listeners[0].Which, listeners[0].Address);
    }

    /// <summary>Binds a listener, or takes the socket a supervisor opened for it.</summary>
    private void Listen(KestrelServerOptions kestrel, string name, IPEndPoint endPoint, Action<ListenOptions> configure)
    {
        if (_options.InheritedSockets?.TryGetValue(name, out var inherited) == true) kestrel.ListenHandle((ulong)inherited.Fd, configure);
        else kestrel.Listen(endPoint, configure);
    }

    /// <summary>The URL a client on this machine uses for a bound address (every interface → 127.0.0.1).</summary>
    private static string Url(string scheme, IPEndPoint endPoint) =>
        endPoint.Address.Equals(IPAddress.Any) || endPoint.Address.Equals(IPAddress.IPv6Any) ? $"{scheme}://127.0.0.1:{endPoint.Port}" : $"{scheme}://{endPoint}";

    /// <summary>The addresses as a client on this machine reaches them (every interface → 127.0.0.1).</summary>
    private static List<string> Addresses(WebApplication app) =>
        BoundAddresses(app)
            .Select(a => a.Replace("://[::]:", "://127.0.0.1:", StringComparison.Ordinal).Replace("://0.0.0.0:", "://127.0.0.1:", StringComparison.Ordinal))
            .ToList();

    private static List<string> BoundAddresses(WebApplication app) =>
        app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.ToList();

    /// <summary>The data directory holds the token, and service files with their secret values: only its owner may read it.</summary>
    public static void CreatePrivateDirectory(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(path);
            return;
        }
        bool existed = Directory.Exists(path);
        Directory.CreateDirectory(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        if (!existed) return;
        // An existing directory made by an older Baton or by hand is tightened too.
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    private static X509Certificate2 LoadCertificate(string? certFile, string? keyFile, string certFlag, string keyFlag)
    {
        if (certFile is null) throw new ServerStartException($"A TLS listener needs {certFlag} (and {keyFlag} unless the certificate file holds the key).");
        if (!File.Exists(certFile)) throw new ServerStartException($"The certificate file {certFile} does not exist.");
        if (keyFile is not null && !File.Exists(keyFile)) throw new ServerStartException($"The key file {keyFile} does not exist.");
        try
        {
            var pem = X509Certificate2.CreateFromPemFile(certFile, keyFile);
            // Kestrel needs the key in a form it can use for TLS on every platform.
            return X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
        }
        catch (System.Security.Cryptography.CryptographicException e)
        {
            throw new ServerStartException($"Cannot load the TLS certificate from {certFile}: {e.Message}");
        }
    }

    /// <summary>A host lifetime that leaves SIGTERM and Ctrl+C to the caller.</summary>
    private sealed class ProcessLifetime : IHostLifetime
    {
        public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;
        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}

/// <summary>The server could not start; the message is one sentence for the user.</summary>
public sealed class ServerStartException(string message) : Exception(message);
