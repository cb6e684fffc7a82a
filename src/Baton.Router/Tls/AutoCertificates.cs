using System.Net.Security;
using Baton.Acme;
using Baton.Acme.Issuance;
using Baton.Acme.Renewal;
using Baton.Acme.Storage;
using Baton.Router.Routing;
using Microsoft.Extensions.Logging;

namespace Baton.Router.Tls;

/// <summary>
/// Automatic HTTPS in the router process: the exact hosts of every service with <c>tls: auto</c>
/// get certificates from the ACME directory (<see cref="CertificateManager"/>), stored in
/// <c>&lt;data&gt;/acme/</c>, served by SNI on the TLS listener, renewed in the background. The
/// http-01 answers are served by the router's public listener from <see cref="Challenges"/>.
/// </summary>
public sealed class AutoCertificates : IDisposable
{
    private readonly RoutingState _state;
    private readonly CertificateManager _manager;
    private readonly IDisposable[] _owned;
    private readonly ITimer _watch;
    private long _seen = -1;

    private AutoCertificates(RoutingState state, CertificateManager manager, ChallengeResponses challenges, TimeProvider time, IDisposable[] owned)
    {
        _state = state;
        _manager = manager;
        _owned = owned;
        Challenges = challenges;
        // The route table changes rarely; a look at its version each second is all this costs.
        _watch = time.CreateTimer(_ => Sync(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    /// <summary>The folder under the data directory that holds the account key and <c>certificates/</c>.</summary>
    public const string Folder = "acme";

    public ChallengeResponses Challenges { get; }

    public CertificateManager Manager => _manager;

    /// <param name="handler">How to reach the ACME directory (one trusting a private CA, say); null: the system's trust.</param>
    /// <exception cref="InvalidDataException">The stored account key cannot be read (one sentence).</exception>
    public static AutoCertificates Create(RoutingState state, string dataDirectory, CertificateOptions options, HttpMessageHandler? handler, ILoggerFactory loggers, TimeProvider time)
    {
        var folder = Path.Combine(dataDirectory, Folder);
        var key = AccountKeyStore.LoadOrCreate(folder, options.Directory);
        var client = new AcmeClient(options.Directory, key, handler, time: time);
        var challenges = new ChallengeResponses();
        var issuer = new AcmeIssuer(client, challenges, options.Email);
        var manager = new CertificateManager(options, new CertificateStore(Path.Combine(folder, "certificates")), issuer, time, loggers.CreateLogger<CertificateManager>());
        return new AutoCertificates(state, manager, challenges, time, [manager, client, key, .. handler is null ? Array.Empty<IDisposable>() : [handler]]);
    }

    /// <summary>The certificate for an SNI name, or null.</summary>
    public SslStreamCertificateContext? Select(string? host) => _manager.Select(host);

    /// <summary>Serves the stored certificates of the hosts the route table wants; before the listeners start, so none is missing at the first handshake.</summary>
    public void ServeStored() => Sync();

    /// <summary>Starts following the route table and renewing.</summary>
    public void Start()
    {
        Sync();
        _manager.Start();
        _watch.Change(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
    }

    /// <summary>Tells the manager the hosts the current route table wants certificates for, when the table changed.</summary>
    internal void Sync()
    {
        var table = _state.Current;
        if (Interlocked.Exchange(ref _seen, table.Version) == table.Version) return;
        _manager.Want(Wanted(table));
    }

    /// <summary>
    /// The exact hosts of services with <c>tls: auto</c>, live or staged (a staged deploy's hosts get
    /// theirs before its switch). Wildcards are never among them: http-01 cannot validate one.
    /// </summary>
    public static IEnumerable<string> Wanted(RouteTable table)
    {
        foreach (var s in table.Services.Values)
        {
            if (s.Tls.Auto) foreach (var h in s.Hosts) if (!h.IsWildcard) yield return h.ToString();
            if (s.PendingPlan is { Tls.Auto: true } plan) foreach (var h in plan.Hosts) if (!h.IsWildcard) yield return h.ToString();
        }
    }

    public void Dispose()
    {
        _watch.Dispose();
        foreach (var d in _owned) d.Dispose();
    }
}
