namespace Baton.Server;

/// <summary>What <c>baton server</c> listens on and where it keeps its state.</summary>
public sealed record ServerOptions
{
    /// <summary>Public listener for the apps' traffic.</summary>
    /// <value>The default is <c>:8080</c> (every interface).</value>
    public string Listen { get; init; } = ":8080";

    /// <summary>Optional cleartext HTTP/2 listener (prior knowledge, as h2load and gRPC clients speak it).</summary>
    public string? ListenH2c { get; init; }

    /// <summary>Optional TLS listener (HTTP/1.1 and HTTP/2 by ALPN), with <see cref="TlsCertificate"/> and <see cref="TlsKey"/>.</summary>
    public string? ListenTls { get; init; }
    public string? TlsCertificate { get; init; }
    public string? TlsKey { get; init; }

    /// <summary>The ACME account's contact for automatic HTTPS (<c>tls: auto</c> services); the CA writes there about expiring certificates.</summary>
    public string? AcmeEmail { get; init; }

    /// <summary>The ACME directory certificates come from.</summary>
    /// <value>The default (null) is Let's Encrypt's production directory, https://acme-v02.api.letsencrypt.org/directory.</value>
    public string? AcmeDirectory { get; init; }

    /// <summary>A PEM CA certificate to trust, alone, for the ACME directory's own HTTPS (a private or test CA such as pebble); null: the system's trust store.</summary>
    public string? AcmeCaCertificate { get; init; }

    /// <summary>
    /// The staging listener: the only one where staging hosts (<c>green.app.example.com</c>) answer
    /// and the canary overrides are honoured. <c>none</c> runs none.
    /// </summary>
    /// <value>The default is <c>127.0.0.1:8081</c>.</value>
    public string ListenStaging { get; init; } = Baton.Router.Listeners.RouterListener.DefaultStagingAddress;

    /// <summary>
    /// Client networks the staging listener serves (<c>10.0.0.0/8,192.168.1.7</c>). Null: loopback
    /// clients only, and then the staging listener must bind a loopback address.
    /// </summary>
    public string? StagingAllow { get; init; }

    /// <summary>Admin API listener; every call but the liveness probe, the page and the sign-in needs a token or a session.</summary>
    /// <value>The default is <c>127.0.0.1:9000</c>.</value>
    public string Admin { get; init; } = "127.0.0.1:9000";

    /// <summary>PEM certificate (and key) that make the admin listener HTTPS; needed on any address but loopback.</summary>
    public string? AdminTlsCertificate { get; init; }
    public string? AdminTlsKey { get; init; }

    /// <summary>
    /// Lets the admin listener bind a non-loopback address without TLS: the user says the network
    /// is theirs alone. Passwords, tokens and cookies then cross it in clear.
    /// </summary>
    /// <value>The default is false: such an address is refused.</value>
    public bool AdminInsecure { get; init; }

    /// <value>The default is <c>./.baton</c>.</value>
    public string DataDirectory { get; init; } = "./.baton";

    /// <summary>Longest time SIGTERM waits for in-flight requests before the process exits.</summary>
    /// <value>The default is 30 s.</value>
    public TimeSpan ShutdownTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>For tests only (<c>BATON_TEST_ROUTER_START_DELAY_MS</c>): how long a router waits between loading its state and taking its control socket.</summary>
    public TimeSpan TestControlSocketDelay { get; init; }

    /// <summary>A web page session ends after this long without a call; each call extends it.</summary>
    /// <value>The default is 30 minutes.</value>
    public TimeSpan SessionIdleTimeout { get; init; } = TimeSpan.FromMinutes(30);

    /// <summary>A web page session ends this long after its sign-in, however busy.</summary>
    /// <value>The default is 12 hours.</value>
    public TimeSpan SessionLifetime { get; init; } = TimeSpan.FromHours(12);

    /// <summary>How repeated failed sign-ins are slowed.</summary>
    public Auth.LoginThrottleOptions LoginThrottle { get; init; } = new();

    /// <summary>
    /// Listening sockets a supervisor opened for this worker, by listener name (<c>public</c>,
    /// <c>h2c</c>, <c>tls</c>, <c>staging</c>, <c>admin</c>): they are used as they are instead of
    /// binding the addresses, and the supervisor holds the data directory's lock. Null: Baton binds
    /// and locks itself (one process, as in the in-process tests).
    /// </summary>
    public IReadOnlyDictionary<string, (int Fd, System.Net.IPEndPoint EndPoint)>? InheritedSockets { get; init; }

    /// <summary>Which part of Baton this process runs; a supervisor runs each in its own process.</summary>
    /// <value>The default is <see cref="ServerRole.All"/>: router and controller in one process.</value>
    public ServerRole Role { get; init; } = ServerRole.All;

    /// <summary>The router's request log (one JSON line per request); null: off.</summary>
    /// <value>The default is null: no request log.</value>
    public Baton.Router.Logging.RequestLogOptions? RequestLog { get; init; }

    /// <summary>Log level for the console; <c>Warning</c> keeps the hot path quiet.</summary>
    public Microsoft.Extensions.Logging.LogLevel LogLevel { get; init; } = Microsoft.Extensions.Logging.LogLevel.Information;
}

/// <summary>The parts of <c>baton server</c>, each a process of its own under the supervisor.</summary>
public enum ServerRole
{
    /// <summary>Router and controller in one process (without a supervisor: the in-process tests).</summary>
    All,
    /// <summary>The data plane: public, h2c, TLS and staging listeners, health checks, the saved route table, and the control socket.</summary>
    Router,
    /// <summary>The admin API, the web page, the deployer, history and audit; it reaches the router on its control socket.</summary>
    Controller,
}
