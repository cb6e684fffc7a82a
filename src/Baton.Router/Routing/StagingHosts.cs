namespace Baton.Router.Routing;

/// <summary>
/// The hosts that reach one named pool of a service (<c>green.app.example.com</c>), made from the
/// service's staging pattern: <c>{color}</c> and <c>{host}</c> are replaced by the pool's name and
/// each exact host. They answer only on the staging listener.
/// </summary>
public static class StagingHosts
{
    /// <summary>The names the deployer gives pools; a host claim is checked against both, whichever runs now.</summary>
    public static readonly IReadOnlyList<string> Colors = ["blue", "green"];

    /// <summary>The staging host of pool <paramref name="pool"/> for each exact host; none without a pattern.</summary>
    public static IEnumerable<string> Of(string? pattern, IEnumerable<HostPattern> hosts, string pool) =>
        pattern is null
            ? []
            : hosts.Where(h => !h.IsWildcard).Select(h => pattern.Replace("{color}", pool, StringComparison.Ordinal).Replace("{host}", h.Text, StringComparison.Ordinal).ToLowerInvariant());

    /// <summary>Every staging host the service has or would have: for both colours and the pools it has now.</summary>
    public static HashSet<string> Possible(string? pattern, IReadOnlyList<HostPattern> hosts, params IEnumerable<string?> pools) =>
        Colors.Concat(pools.OfType<string>()).Distinct().SelectMany(pool => Of(pattern, hosts, pool)).ToHashSet(StringComparer.Ordinal);

    /// <summary>
    /// Host claims checked against staging hosts both ways: the service's exact hosts may not be
    /// another service's staging hosts, and its own staging hosts may not be another's hosts or
    /// staging hosts. Wildcards are not compared: an exact or staging host is always matched before one.
    /// </summary>
    /// <returns>Null when nothing collides, else a clause naming the host and the other service.</returns>
    public static string? FindConflict(RouteTable table, string service, IReadOnlyList<HostPattern> hosts, string? pattern)
    {
        // In order, so the message names the same host every time.
        var mine = Possible(pattern, hosts).Order(StringComparer.Ordinal).ToList();
        foreach (var other in table.Services.Values)
        {
            if (other.Name == service) continue;
            var theirs = Possible(other.Staging, other.Hosts, other.Active?.Name, other.Candidate?.Name);
            foreach (var host in hosts)
                if (!host.IsWildcard && theirs.Contains(host.Text))
                    return $"host {host} is a staging host of service {other.Name}";
            foreach (var staging in mine)
            {
                if (other.Hosts.Any(h => !h.IsWildcard && h.Text == staging)) return $"its staging host {staging} is a host of service {other.Name}";
                if (theirs.Contains(staging)) return $"its staging host {staging} is also a staging host of service {other.Name}";
            }
        }
        return null;
    }
}
