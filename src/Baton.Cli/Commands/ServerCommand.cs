using System.CommandLine;
using System.Runtime.InteropServices;
using Baton.Contracts;
using Baton.Router.Listeners;
using Baton.Server;
using Baton.Server.Supervision;
using Microsoft.Extensions.Logging;

namespace Baton.Cli.Commands;

/// <summary>
/// <c>baton server</c>: a small supervisor (<see cref="Supervisor"/>) that holds the data
/// directory's lock and the listening sockets, and runs the router and the admin API in a worker
/// process it replaces with no dropped connection (<c>baton router restart</c>, SIGHUP, or a worker
/// that dies), until SIGTERM or Ctrl+C. The worker is this same command, told by the supervisor.
/// </summary>
internal sealed class ServerCommand : Command
{
    private readonly Option<string> _listen = new("--listen") { Description = "Public listener for your apps' traffic", DefaultValueFactory = _ => ":8080" };
    private readonly Option<string> _admin = new("--admin") { Description = "Admin API and web page listener; any address but loopback needs --admin-tls-cert or --admin-insecure", DefaultValueFactory = _ => "127.0.0.1:9000" };
    private readonly Option<string?> _adminTlsCert = new("--admin-tls-cert") { Description = "PEM certificate file that makes the admin listener HTTPS" };
    private readonly Option<string?> _adminTlsKey = new("--admin-tls-key") { Description = "PEM private key file for --admin-tls-cert" };
    private readonly Option<bool> _adminInsecure = new("--admin-insecure") { Description = "Allow a non-loopback --admin address without TLS (passwords and tokens cross that network in clear)" };
    private readonly Option<string?> _listenH2c = new("--listen-h2c") { Description = "Optional cleartext HTTP/2 (prior knowledge) listener, e.g. :8082" };
    private readonly Option<string> _listenStaging = new("--listen-staging") { Description = "Private listener where staging hosts (green.HOST) and canary overrides answer; none to run none", DefaultValueFactory = _ => RouterListener.DefaultStagingAddress };
    private readonly Option<string?> _stagingAllow = new("--staging-allow") { Description = "Client networks the staging listener serves, CIDR[,CIDR...], replacing the default loopback-only (which needs a loopback address); list 127.0.0.1 too for the smoke checks" };
    private readonly Option<string?> _listenTls = new("--listen-tls") { Description = "Optional HTTPS listener, e.g. :443: certificates of tls: auto services by SNI, else --tls-cert" };
    private readonly Option<string?> _tlsCert = new("--tls-cert") { Description = "PEM certificate file for --listen-tls" };
    private readonly Option<string?> _tlsKey = new("--tls-key") { Description = "PEM private key file for --listen-tls" };
    private readonly Option<string?> _acmeEmail = new("--acme-email") { Description = "Contact of the ACME account that gets certificates for tls: auto services" };
    private readonly Option<string?> _acmeDirectory = new("--acme-directory") { Description = "ACME directory URL (default Let's Encrypt production, https://acme-v02.api.letsencrypt.org/directory)" };
    private readonly Option<string?> _acmeCa = new("--acme-ca") { Description = "PEM CA certificate trusted (alone) for a private ACME directory's HTTPS, e.g. a test CA" };
    private readonly Option<string?> _shutdownTimeout = new("--shutdown-timeout") { Description = "On SIGTERM, time in-flight requests get to finish (default 30s)" };
    private readonly Option<string?> _requestLog = new("--request-log") { Description = "One JSON line per request: stdout, or a FILE rotated by size (default off); never a query string, cookie or header but User-Agent" };
    private readonly Option<string?> _requestLogSample = new("--request-log-sample") { Description = "Share of requests logged, more than 0 and at most 1 (default 1: all)" };
    private readonly Option<string?> _requestLogMaxSize = new("--request-log-max-size") { Description = "Rotate the request log FILE before it grows past this size, e.g. 50MB (default 100MB)" };
    private readonly Option<string?> _requestLogKeep = new("--request-log-keep") { Description = "Rotated request log files kept (FILE.1 ... FILE.N; default 5)" };
    private readonly Option<string> _logLevel = new("--log-level") { Description = "debug, information, warning or error", DefaultValueFactory = _ => "information" };

    /// <summary>True for <c>baton router run</c>: the supervisor and the router process alone, no admin listener and no controller.</summary>
    private readonly bool _routerOnly;

    public ServerCommand() : this("server", "Run the Baton router and admin API", routerOnly: false)
    {
    }

    /// <summary>
    /// <c>baton router run</c>: the data plane alone on a router host — the same listeners, saved
    /// state and no-gap restarts as <c>baton server</c>, without the admin API and the controller
    /// (a controller elsewhere reaches it through <c>baton router link</c>). It serves its last
    /// state for as long as no controller comes.
    /// </summary>
    public static ServerCommand RouterRun() => new("run",
        "Run the router alone on a router host (public and staging listeners, health checks, saved state, restarts with no dropped connection); a controller reaches it through `baton router link`",
        routerOnly: true);

    private ServerCommand(string name, string description, bool routerOnly) : base(name, description)
    {
        _routerOnly = routerOnly;
        _logLevel.AcceptOnlyFromAmong("debug", "information", "warning", "error");
        Options.Add(_listen);
        if (!routerOnly)
        {
            Options.Add(_admin);
            Options.Add(_adminTlsCert);
            Options.Add(_adminTlsKey);
            Options.Add(_adminInsecure);
        }
        Options.Add(_listenH2c);
        Options.Add(_listenStaging);
        Options.Add(_stagingAllow);
        Options.Add(_listenTls);
        Options.Add(_tlsCert);
        Options.Add(_tlsKey);
        Options.Add(_acmeEmail);
        Options.Add(_acmeDirectory);
        Options.Add(_acmeCa);
        Options.Add(_shutdownTimeout);
        Options.Add(_requestLog);
        Options.Add(_requestLogSample);
        Options.Add(_requestLogMaxSize);
        Options.Add(_requestLogKeep);
        Options.Add(_logLevel);
        SetAction(RunAsync);
    }

    /// <summary>
    /// The runtime reads this when the process first uses a socket, so it is set here, before any:
    /// socket completions then run on the epoll threads instead of being queued to the thread
    /// pool, one thread hop less per read and write (measured in bench/README.md). Nothing in
    /// the router blocks inside a socket continuation (no sync-over-async). An explicit value wins,
    /// except in the controller process, which the supervisor always starts with it off.
    /// </summary>
    private const string InlineCompletions = Supervisor.InlineCompletionsVariable;

    private async Task<int> RunAsync(ParseResult parse, CancellationToken ct)
    {
        if (Environment.GetEnvironmentVariable(InlineCompletions) is null) Environment.SetEnvironmentVariable(InlineCompletions, "1");
        var data = parse.GetValue(ClientOptions.Data) ?? Environment.GetEnvironmentVariable("BATON_DATA") ?? "./.baton";
        var shutdownError = Durations.Parse(parse.GetValue(_shutdownTimeout), "Shutdown timeout", TimeSpan.FromSeconds(30), out var shutdownTimeout);
        if (shutdownError is not null) return Output.Fail(ExitCodes.BadInput, shutdownError);
        var requestLogError = Baton.Router.Logging.RequestLogOptions.Parse(parse.GetValue(_requestLog), parse.GetValue(_requestLogSample),
            parse.GetValue(_requestLogMaxSize), parse.GetValue(_requestLogKeep), out var requestLog);
        if (requestLogError is not null) return Output.Fail(ExitCodes.BadInput, requestLogError);
        var options = new ServerOptions
        {
            Listen = parse.GetValue(_listen)!,
            Admin = _routerOnly ? new ServerOptions().Admin : parse.GetValue(_admin)!,
            AdminTlsCertificate = _routerOnly ? null : parse.GetValue(_adminTlsCert),
            AdminTlsKey = _routerOnly ? null : parse.GetValue(_adminTlsKey),
            AdminInsecure = !_routerOnly && parse.GetValue(_adminInsecure),
            ListenH2c = parse.GetValue(_listenH2c),
            ListenStaging = parse.GetValue(_listenStaging)!,
            StagingAllow = parse.GetValue(_stagingAllow),
            ListenTls = parse.GetValue(_listenTls),
            TlsCertificate = parse.GetValue(_tlsCert),
            TlsKey = parse.GetValue(_tlsKey),
            AcmeEmail = parse.GetValue(_acmeEmail),
            AcmeDirectory = parse.GetValue(_acmeDirectory),
            AcmeCaCertificate = parse.GetValue(_acmeCa),
            DataDirectory = data,
            ShutdownTimeout = shutdownTimeout,
            RequestLog = requestLog,
            LogLevel = Enum.Parse<LogLevel>(parse.GetValue(_logLevel)!, ignoreCase: true),
        };
        return Environment.GetEnvironmentVariable(Supervisor.WorkerVariable) is null
            ? await SuperviseAsync(options, _routerOnly, ct)
            : await RunWorkerAsync(options, _routerOnly, ct);
    }

    /// <summary>The supervisor: lock, sockets, then the worker processes.</summary>
    private static async Task<int> SuperviseAsync(ServerOptions options, bool routerOnly, CancellationToken ct)
    {
        IReadOnlyList<(string Name, string Address)> listeners;
        try
        {
            listeners = routerOnly ? BatonServer.CheckRouter(options) : BatonServer.Check(options);
        }
        catch (ServerStartException e)
        {
            return Output.Fail(ExitCodes.BadInput, e.Message);
        }
        try
        {
            BatonServer.CreatePrivateDirectory(options.DataDirectory);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return Output.Fail(ExitCodes.BadInput, $"Cannot create the data directory {options.DataDirectory}: {e.Message}");
        }
        using var dataLock = DataDirectoryLock.TryAcquire(options.DataDirectory, out var lockError);
        if (dataLock is null) return Output.Fail(ExitCodes.BadInput, lockError);
        InheritedSockets sockets;
        try
        {
            // Under systemd's socket activation (packaging/baton-*.socket) the listeners are systemd's sockets.
            sockets = InheritedSockets.Bind(listeners, SystemdSockets.FromEnvironment());
        }
        catch (ServerStartException e)
        {
            return Output.Fail(ExitCodes.BadInput, e.Message);
        }
        using (sockets)
        {
            var supervisor = new Supervisor(Environment.GetCommandLineArgs().Skip(1).ToList(), Console.Out, routerOnly ? Supervisor.RouterOnly : null);
            return await supervisor.RunAsync(sockets, ct);
        }
    }

    /// <summary>For tests only: milliseconds a restarted router process waits between loading its state and taking its control socket.</summary>
    internal const string TestStartDelayVariable = "BATON_TEST_ROUTER_START_DELAY_MS";

    /// <summary>A worker: Baton on the supervisor's sockets, obeying its channel.</summary>
    private static async Task<int> RunWorkerAsync(ServerOptions options, bool routerOnly, CancellationToken ct)
    {
        WorkerChannel channel;
        try
        {
            var role = Environment.GetEnvironmentVariable(Supervisor.RoleVariable) is { } named && Enum.TryParse<ServerRole>(named, out var parsed) && parsed != ServerRole.All
                && (!routerOnly || parsed == ServerRole.Router)
                ? parsed
                : throw new ServerStartException($"{Supervisor.RoleVariable} must say Router{(routerOnly ? "" : " or Controller")}; it is set by the supervisor for its workers, not by hand.");
            options = options with { InheritedSockets = InheritedSockets.FromEnvironment(), Role = role };
            channel = WorkerChannel.Open()!;
        }
        catch (ServerStartException e)
        {
            return Output.Fail(ExitCodes.BadInput, e.Message);
        }
        using var _ = channel;
        // Test-only: a restarted router slow to take its control socket after loading its state (as on a loaded
        // machine), to hold a handover's window open.
        if (options.Role == ServerRole.Router && channel.Generation > 1
            && int.TryParse(Environment.GetEnvironmentVariable(TestStartDelayVariable), out var delay) && delay > 0)
            options = options with { TestControlSocketDelay = TimeSpan.FromMilliseconds(delay) };
        await using var server = new BatonServer(options);
        try
        {
            await server.StartAsync(ct);
        }
        catch (ServerStartException e)
        {
            return Output.Fail(ExitCodes.BadInput, e.Message);
        }

        var part = options.Role == ServerRole.Router ? "Router" : "Controller";
        if (channel.Generation > 1)
        {
            // A restart: the banner (and the secrets shown once) was the first controller's.
            Output.Line($"{part} process PID {Environment.ProcessId} serves (restart {channel.Generation - 1}).");
            return await ServeAsync(server, channel, part);
        }
        if (routerOnly)
        {
            // No controller here: the router prints the banner.
            Output.Line("Baton router is running (no controller on this host: one reaches it through `baton router link`)");
            foreach (var url in server.ProxyUrls) Output.Line($"  public   {url}");
            if (server.ProxyH2cUrl is not null) Output.Line($"  h2c      {server.ProxyH2cUrl}");
            if (server.ProxyTlsUrl is not null) Output.Line($"  tls      {server.ProxyTlsUrl}");
            Output.Line(server.StagingUrl is null ? "  staging  none" : $"  staging  {server.StagingUrl} (staging hosts and canary overrides; {options.StagingAllow ?? "loopback clients"})");
            Output.Line($"  data     {Path.GetFullPath(options.DataDirectory)}");
            Output.Line($"  link     `baton router link --data {Path.GetFullPath(options.DataDirectory)}` (the forced command for the controller's key)");
            Output.Line($"  processes  supervisor {channel.SupervisorPid}, router {Environment.ProcessId}");
            return await ServeAsync(server, channel, part);
        }
        // The first router is quiet: the controller, started once the router is ready, prints the banner.
        if (options.Role == ServerRole.Router) return await ServeAsync(server, channel, part);
        Output.Line("Baton server is running");
        foreach (var url in server.ProxyUrls) Output.Line($"  public   {url}");
        if (server.ProxyH2cUrl is not null) Output.Line($"  h2c      {server.ProxyH2cUrl}");
        if (server.ProxyTlsUrl is not null) Output.Line($"  tls      {server.ProxyTlsUrl}");
        Output.Line(server.StagingUrl is null ? "  staging  none" : $"  staging  {server.StagingUrl} (staging hosts and canary overrides; {options.StagingAllow ?? "loopback clients"})");
        Output.Line($"  admin    {server.AdminBoundUrl}{(server.AdminExposedInClear ? " (beyond loopback without TLS: --admin-insecure)" : "")}");
        Output.Line($"  data     {Path.GetFullPath(options.DataDirectory)}");
        Output.Line($"  processes  supervisor {channel.SupervisorPid}, router {server.RouterPid}, controller {Environment.ProcessId}");
        if (server.CreatedToken is not null)
        {
            Output.Line();
            Output.Line($"Admin token (shown once; the local CLI reads it from {server.TokenFile}):");
            Output.Line($"  {server.CreatedToken}");
        }
        if (server.CreatedPassword is not null)
        {
            Output.Line();
            Output.Line($"Web page sign-in: user admin, password (shown once; also in {server.PasswordFile}):");
            Output.Line($"  {server.CreatedPassword}");
        }
        Output.Line();
        if (server.AdminExposedInClear)
            Output.Warn($"the admin listener answers on {server.AdminBoundUrl} without TLS; passwords, tokens and session cookies cross that network in clear.");

        return await ServeAsync(server, channel, part);
    }

    /// <summary>
    /// Serves until the supervisor says <c>stop</c> (after a handover: close kept-alive connections,
    /// then drain) or a signal comes (SIGTERM, Ctrl+C: drain). <c>release</c> hands the admin API
    /// and the deployer over to the next worker.
    /// </summary>
    /// <remarks>
    /// <c>released</c> is said only once the router takes no more control call that changes its
    /// state (<see cref="BatonServer.ReleaseControlAsync"/>): the next router loads the saved state
    /// after it, so every change the controller was told of is in what it loads. Public requests go
    /// on here until <c>stop</c>.
    /// </remarks>
    private static async Task<int> ServeAsync(BatonServer server, WorkerChannel channel, string part)
    {
        var stop = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; stop.TrySetResult(false); });
        using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => { c.Cancel = true; stop.TrySetResult(false); });
        using var quit = PosixSignalRegistration.Create(PosixSignal.SIGQUIT, c => { c.Cancel = true; stop.TrySetResult(false); });
        // SIGHUP is the supervisor's: a worker's own is ignored.
        using var hangup = PosixSignalRegistration.Create(PosixSignal.SIGHUP, c => c.Cancel = true);
        channel.Send("ready");
        _ = Task.Run(async () =>
        {
            bool released = false;
            while (true)
            {
                var command = await WorkerChannel.NextCommandAsync(CancellationToken.None);
                if (command == "release" && !released)
                {
                    released = true;
                    await server.ReleaseControlAsync();
                    channel.Send("released");
                }
                else if (command == "stop")
                {
                    stop.TrySetResult(released);
                    return;
                }
            }
        });
        bool handover = await stop.Task;

        if (handover)
        {
            await server.CloseKeptAliveConnectionsAsync(TimeSpan.FromSeconds(1));
            Output.Line($"Router process PID {Environment.ProcessId}: handed over; draining the requests in flight…");
        }
        else if (part == "Router") Output.Line("Stopping: no new connections; waiting for requests in flight…");
        await server.StopAsync();
        Output.Line(handover ? $"Router process PID {Environment.ProcessId} stopped." : $"{part} stopped.");
        return ExitCodes.Success;
    }
}
