using System.Net;
using System.Security.Cryptography.X509Certificates;
using Baton.Contracts;
using Baton.Deploy.Rollouts;
using Baton.Deploy.Store;
using Baton.Registry;
using Baton.Registry.Credentials;
using Baton.Server.Deployments;
using Baton.Router;
using Baton.Router.Forwarding;
using Baton.Router.Metrics;
using Baton.Router.Rollout;
using Baton.Router.Routing;
using Baton.Router.State;
using Baton.Server.Api;
using Baton.Server.Audit;
using Baton.Server.Auth;
using Baton.Server.Web;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Baton.Server;

/// <summary>
/// <c>baton server</c>: the router's public listener and the admin API in one process, as two
/// Kestrel hosts sharing one routing state. The public host has nothing on its request path but
/// the forwarder.
/// </summary>
public sealed class BatonServer : IAsyncDisposable
{
    private readonly ServerOptions _options;
    private readonly CancellationTokenSource _stopping = new();
    private WebApplication? _proxy;
    private WebApplication? _admin;
    private RoutingState? _state;
    private HttpForwarder? _forwarder;
    private ILoggerFactory? _loggerFactory;
    private DeployStore? _store;
    private AccessStore? _access;
    private DeployerHost? _deployers;
    private RegistryClient? _registry;

    public BatonServer(ServerOptions options) => _options = options;

    /// <summary>Public listener URLs, once started (port 0 resolved).</summary>
    public IReadOnlyList<string> ProxyUrls { get; private set; } = [];
    public string? ProxyTlsUrl { get; private set; }
    public string? ProxyH2cUrl { get; private set; }
    public string AdminUrl { get; private set; } = "";

    /// <summary>The admin token in clear if this start created it, else null.</summary>
    public string? CreatedToken { get; private set; }

    public string TokenFile => AdminToken.TokenFile(_options.DataDirectory);

    /// <summary>The first-start password of the user <c>admin</c> if this start created it, else null.</summary>
    public string? CreatedPassword { get; private set; }

    public string PasswordFile => FirstAdmin.PasswordFile(_options.DataDirectory);

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
        if (!ListenAddress.TryParse(_options.Listen, out var publicEndPoint, out var error)) throw new ServerStartException(error);
        if (!ListenAddress.TryParse(_options.Admin, out var adminEndPoint, out error)) throw new ServerStartException(error);
        IPEndPoint? h2cEndPoint = null;
        if (_options.ListenH2c is not null && !ListenAddress.TryParse(_options.ListenH2c, out h2cEndPoint, out error)) throw new ServerStartException(error);
        IPEndPoint? tlsEndPoint = null;
        X509Certificate2? certificate = null;
        if (_options.ListenTls is not null)
        {
            if (!ListenAddress.TryParse(_options.ListenTls, out tlsEndPoint, out error)) throw new ServerStartException(error);
            certificate = LoadCertificate(_options.TlsCertificate, _options.TlsKey);
        }

        CreatePrivateDirectory(_options.DataDirectory);
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

        _loggerFactory = LoggerFactory.Create(b => b
            .AddSimpleConsole(o => { o.SingleLine = true; o.TimestampFormat = "HH:mm:ss "; })
            .SetMinimumLevel(_options.LogLevel)
            .AddFilter("Microsoft", LogLevel.Warning)
            // A host that fails to start logs the exception with its stack trace; StartOrExplainAsync
            // already tells the user why in one sentence.
            .AddFilter("Microsoft.Extensions.Hosting.Internal.Host", LogLevel.None));
        var time = TimeProvider.System;
        try
        {
            _state = new RoutingState(new RouterStateStore(Path.Combine(_options.DataDirectory, "router-state.json")), time, _loggerFactory.CreateLogger<RoutingState>());
        }
        catch (InvalidDataException e)
        {
            throw new ServerStartException(e.Message);
        }
        var routerOptions = new RouterOptions();
        var counters = new RouterCounters();
        _forwarder = new HttpForwarder(routerOptions.ConnectTimeout);
        var handler = new ProxyHandler(_state, _forwarder, routerOptions, counters, _loggerFactory.CreateLogger<ProxyHandler>());
        var rollout = new PoolRollout(_state, _loggerFactory.CreateLogger<PoolRollout>());
        Rollout = rollout;
        var admin = new RouterAdmin(_state);
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
        var throttle = new LoginThrottle(time, _options.LoginThrottle);
        var control = new InProcessRouterControl(_state, rollout, admin, () => new Uri(ProxyUrls[0]));
        var rollouts = new RolloutBoard();
        _deployers = new DeployerHost(_store, control, rollouts, _loggerFactory) { PullCredentials = image => PullLogins.For(logins, image) };

        // The public host: Kestrel and the forwarder, nothing else on the request path. Its request
        // code runs inline on the socket threads (no hop to the thread pool): the forwarder never
        // blocks. The admin host keeps the thread pool, since its endpoints do synchronous SQLite work.
        _proxy = CreateHost(inlineScheduling: true, kestrel: kestrel =>
        {
            kestrel.Limits.MaxRequestBodySize = null; // bodies stream through; the app sets its own limits
            kestrel.Limits.MinRequestBodyDataRate = null;
            kestrel.Limits.MinResponseDataRate = null;
            // Cleartext HTTP/2 needs prior knowledge, which Kestrel only speaks on an HTTP/2-only endpoint.
            kestrel.Listen(publicEndPoint, l => l.Protocols = HttpProtocols.Http1);
            if (h2cEndPoint is not null) kestrel.Listen(h2cEndPoint, l => l.Protocols = HttpProtocols.Http2);
            if (tlsEndPoint is not null)
                kestrel.Listen(tlsEndPoint, l =>
                {
                    l.Protocols = HttpProtocols.Http1AndHttp2;
                    l.UseHttps(certificate!);
                });
        });
        _proxy.Run(handler.InvokeAsync);

        _admin = CreateHost(kestrel => kestrel.Listen(adminEndPoint), services =>
        {
            services.AddOpenApi(ApiDocument.Configure);
            // A route or query value that does not bind throws, so ApiEdgesMiddleware can answer it with a sentence.
            services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        });
        _admin.UseMiddleware<SecurityHeadersMiddleware>();
        _admin.UseMiddleware<AuthMiddleware>(token, _access, sessions, audit);
        _admin.UseMiddleware<ApiEdgesMiddleware>();
        WebPage.Map(_admin);
        ServicesApi.Map(_admin, admin, _state, counters, _store, () => ProxyUrls.Count > 0 ? new Uri(ProxyUrls[0]).Port : null, rollouts);
        DeploymentsApi.Map(_admin, _state, admin, rollout, _deployers, time, _stopping.Token);
        RegistriesApi.Map(_admin, _state, _store, _registry, logins);
        SessionApi.Map(_admin, _access, sessions, throttle, audit);
        UsersApi.Map(_admin, _access);
        TokensApi.Map(_admin, _access, time);
        AuditApi.Map(_admin, audit);
        ApiDocument.Map(_admin);

        await StartOrExplainAsync(_proxy, _options.Listen, "public", cancellationToken);
        await StartOrExplainAsync(_admin, _options.Admin, "admin", cancellationToken);

        // Kestrel lists addresses in the order they were bound: public, then h2c, then TLS.
        var proxyUrls = Addresses(_proxy);
        ProxyUrls = [proxyUrls[0]];
        ProxyH2cUrl = h2cEndPoint is null ? null : proxyUrls[1];
        ProxyTlsUrl = tlsEndPoint is null ? null : proxyUrls[^1];
        AdminUrl = Addresses(_admin)[0];

        // Finish or roll back what a stopped Baton left half-done, when an engine answers.
        if (_store.Unfinished().Count > 0) _ = _deployers.GetAsync(CancellationToken.None);
    }

    /// <summary>Stops accepting, lets in-flight requests finish (up to the shutdown timeout), then stops.</summary>
    public async Task StopAsync()
    {
        await _stopping.CancelAsync();
        using var timeout = new CancellationTokenSource(_options.ShutdownTimeout);
        if (_proxy is not null) await _proxy.StopAsync(timeout.Token);
        if (_admin is not null) await _admin.StopAsync(CancellationToken.None);
    }

    public async ValueTask DisposeAsync()
    {
        if (_proxy is not null) await _proxy.DisposeAsync();
        if (_admin is not null) await _admin.DisposeAsync();
        _forwarder?.Dispose();
        _deployers?.Dispose();
        _registry?.Dispose();
        _store?.Dispose();
        _access?.Dispose();
        _state?.Dispose();
        _loggerFactory?.Dispose();
        _stopping.Dispose();
    }

    private WebApplication CreateHost(Action<KestrelServerOptions> kestrel, Action<IServiceCollection>? services = null, bool inlineScheduling = false)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });
        builder.WebHost.UseSockets(o => o.UnsafePreferInlineScheduling = inlineScheduling);
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(_loggerFactory!);
        builder.Services.AddSingleton<IHostLifetime, ProcessLifetime>(); // signals are handled by the CLI, once for both hosts
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = _options.ShutdownTimeout);
        builder.Services.ConfigureHttpJsonOptions(o => o.SerializerOptions.TypeInfoResolverChain.Insert(0, BatonJson.Default));
        services?.Invoke(builder.Services);
        builder.WebHost.ConfigureKestrel(o =>
        {
            o.AddServerHeader = false;
            kestrel(o);
        });
        return builder.Build();
    }

    private static async Task StartOrExplainAsync(WebApplication app, string address, string which, CancellationToken cancellationToken)
    {
        try
        {
            await app.StartAsync(cancellationToken);
        }
        catch (IOException e) when (e.InnerException is Microsoft.AspNetCore.Connections.AddressInUseException || e.Message.Contains("address already in use", StringComparison.OrdinalIgnoreCase))
        {
            throw new ServerStartException($"The {which} address {address} is already in use; stop what listens there or pass another address.");
        }
        catch (System.Net.Sockets.SocketException e)
        {
            throw new ServerStartException($"Cannot listen on the {which} address {address}: {e.Message}.");
        }
    }

    private static List<string> Addresses(WebApplication app) =>
        app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses
            .Select(a => a.Replace("://[::]:", "://127.0.0.1:", StringComparison.Ordinal).Replace("://0.0.0.0:", "://127.0.0.1:", StringComparison.Ordinal))
            .ToList();

    /// <summary>The data directory holds the token, and service files with their secret values: only its owner may read it.</summary>
    private static void CreatePrivateDirectory(string path)
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

    private static X509Certificate2 LoadCertificate(string? certFile, string? keyFile)
    {
        if (certFile is null) throw new ServerStartException("A TLS listener needs --tls-cert (and --tls-key unless the certificate file holds the key).");
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
