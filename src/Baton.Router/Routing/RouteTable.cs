using System.Collections.Frozen;

namespace Baton.Router.Routing;

/// <summary>
/// An immutable snapshot of every service and the index that maps a request's host and path to
/// one of them. Replaced as a whole by one reference swap; a request reads it once.
/// </summary>
public sealed class RouteTable
{
    public static readonly RouteTable Empty = new(FrozenDictionary<string, ServiceEntry>.Empty, 0);

    private readonly FrozenDictionary<string, ServiceEntry[]> _exact;
    private readonly (string Suffix, ServiceEntry[] Services)[] _wildcards;
    private readonly ServiceEntry[] _anyHost;
    private readonly FrozenDictionary<string, (ServiceEntry Service, string Pool)> _staging;

    public RouteTable(IReadOnlyDictionary<string, ServiceEntry> services, long version)
    {
        Services = services.ToFrozenDictionary(StringComparer.Ordinal);
        Version = version;
        var exact = new Dictionary<string, List<ServiceEntry>>(StringComparer.Ordinal);
        var wildcard = new Dictionary<string, List<ServiceEntry>>(StringComparer.Ordinal);
        var any = new List<ServiceEntry>();
        foreach (var s in Services.Values.Where(s => s.IsRouted))
        {
            if (s.Hosts.Count == 0) any.Add(s);
            foreach (var h in s.Hosts)
            {
                var map = h.IsWildcard ? wildcard : exact;
                if (!map.TryGetValue(h.Text, out var list)) map[h.Text] = list = [];
                list.Add(s);
            }
        }
        _exact = exact.ToFrozenDictionary(kv => kv.Key, kv => ByPathLength(kv.Value), StringComparer.Ordinal);
        _wildcards = wildcard.OrderByDescending(kv => kv.Key.Length).Select(kv => (kv.Key, ByPathLength(kv.Value))).ToArray();
        _anyHost = ByPathLength(any);

        // Staging hosts reach a named pool whatever is live, also for a service not live yet (a held first deploy).
        var staging = new Dictionary<string, (ServiceEntry, string)>(StringComparer.Ordinal);
        foreach (var s in Services.Values)
            foreach (var name in new[] { s.Active?.Name, s.Candidate?.Name }.OfType<string>().Distinct())
                foreach (var host in s.StagingHosts(name))
                    staging.TryAdd(host, (s, name));
        _staging = staging.ToFrozenDictionary(StringComparer.Ordinal);
    }

    public FrozenDictionary<string, ServiceEntry> Services { get; }
    public long Version { get; }

    /// <summary>
    /// The most specific match: an exact host before a wildcard (longest suffix first) before
    /// any-host services; within each, the longest matching path prefix.
    /// </summary>
    public ServiceEntry? Match(string normalizedHost, string path) => MatchService(normalizedHost, path);

    /// <summary>
    /// Like <see cref="Match"/>; on the staging listener a staging host (<c>green.app.example.com</c>)
    /// names the pool too. On the public listeners staging hosts do not exist: such a host is
    /// matched like any other, so an unknown one is a 404 like every unknown host.
    /// </summary>
    public RouteMatch Route(string normalizedHost, string path, bool stagingListener)
    {
        if (stagingListener && _staging.Count > 0 && _staging.TryGetValue(normalizedHost, out var staged) && PathPrefix.Matches(staged.Service.Path, path))
            return new RouteMatch(staged.Service, staged.Pool);
        return new RouteMatch(MatchService(normalizedHost, path), null);
    }

    private ServiceEntry? MatchService(string normalizedHost, string path)
    {
        if (_exact.TryGetValue(normalizedHost, out var exact) && FirstByPath(exact, path) is { } e) return e;
        foreach (var (suffix, services) in _wildcards)
        {
            if (normalizedHost.Length > suffix.Length && normalizedHost.EndsWith(suffix, StringComparison.Ordinal)
                && FirstByPath(services, path) is { } w)
                return w;
        }
        return FirstByPath(_anyHost, path);
    }

    /// <summary>The service other than <paramref name="except"/> that already claims one of these host+path pairs.</summary>
    public ServiceEntry? FindClaim(IReadOnlyList<HostPattern> hosts, string path, string except)
    {
        foreach (var s in Services.Values)
        {
            if (s.Name == except || !string.Equals(s.Path, path, StringComparison.OrdinalIgnoreCase)) continue;
            if (hosts.Count == 0 && s.Hosts.Count == 0) return s;
            if (hosts.Any(h => s.Hosts.Contains(h))) return s;
        }
        return null;
    }

    private static ServiceEntry? FirstByPath(ServiceEntry[] services, string path)
    {
        foreach (var s in services)
            if (PathPrefix.Matches(s.Path, path)) return s;
        return null;
    }

    private static ServiceEntry[] ByPathLength(List<ServiceEntry> services) =>
        services.OrderByDescending(s => s.Path.Length).ToArray();
}
