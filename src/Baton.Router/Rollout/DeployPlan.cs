using Baton.Contracts;
using Baton.Router.Health;
using Baton.Router.Routing;
using Baton.Router.Targets;

namespace Baton.Router.Rollout;

/// <summary>A validated <see cref="DeployRequest"/>: everything checked before anything changes.</summary>
public sealed record DeployPlan(
    string Service,
    IReadOnlyList<TargetAddress> Targets,
    IReadOnlyList<HostPattern> Hosts,
    string Path,
    HealthCheckOptions Health,
    TimeSpan DeployTimeout,
    TimeSpan DrainTimeout,
    string? PoolName = null,
    string? Staging = null,
    TimeSpan? TargetTimeout = null,
    bool Standby = false,
    ServiceTls? Tls = null,
    string? Release = null)
{
    /// <value>The default is 60 s.</value>
    public static readonly TimeSpan DefaultDeployTimeout = TimeSpan.FromSeconds(60);

    /// <summary>Validates the request against the current table; the error is one sentence for the user.</summary>
    /// <param name="staging">The staging pattern the deploy brings; null keeps the service's own (a <c>--target</c> deploy).</param>
    public static DeployPlan? TryCreate(string service, DeployRequest request, RouteTable table, out string error, string? staging = null)
    {
        error = "";
        if (!ServiceNames.IsValid(service, out error)) return null;
        if (request.Targets is not { Count: > 0 })
        {
            error = "Give at least one target (HOST:PORT) to deploy.";
            return null;
        }
        var targets = new List<TargetAddress>();
        foreach (var text in request.Targets)
        {
            if (!TargetAddress.TryParse(text, out var address, out error)) return null;
            if (targets.Contains(address))
            {
                error = $"Target {address} is listed twice.";
                return null;
            }
            targets.Add(address);
        }

        table.Services.TryGetValue(service, out var current);
        var hosts = new List<HostPattern>();
        if (request.Hosts is null) hosts.AddRange(current?.Hosts ?? []);
        else
        {
            foreach (var text in request.Hosts)
            {
                if (!HostPattern.TryParse(text, out var host, out error)) return null;
                if (!hosts.Contains(host)) hosts.Add(host);
            }
        }
        if (!PathPrefix.TryNormalize(request.Path ?? current?.Path ?? "/", out var path, out error)) return null;
        if (table.FindClaim(hosts, path, service) is { } other)
        {
            error = $"{DescribeRoute(hosts, path)} is already routed to service {other.Name}; remove it there first or choose another host or path.";
            return null;
        }
        if (StagingHosts.FindConflict(table, service, hosts, staging ?? current?.Staging) is { } conflict)
        {
            error = $"Cannot route {service}: {conflict}; choose another host, or another staging pattern (staging: in baton.yml).";
            return null;
        }

        var baseHealth = current?.Health ?? new HealthCheckOptions();
        var spec = request.Health;
        var health = baseHealth;
        if (spec is not null)
        {
            if ((error = Durations.Parse(spec.Interval, "Health interval", baseHealth.Interval, out var interval) ?? "") != "") return null;
            if ((error = Durations.Parse(spec.Timeout, "Health timeout", baseHealth.Timeout, out var timeout) ?? "") != "") return null;
            var probePath = spec.Path ?? baseHealth.Path;
            if (!probePath.StartsWith('/'))
            {
                error = $"Health path '{probePath}' must start with /.";
                return null;
            }
            if (spec.Passes is < 1 or > 100)
            {
                error = "Health passes must be between 1 and 100.";
                return null;
            }
            if (interval < TimeSpan.FromMilliseconds(50))
            {
                error = "Health interval must be at least 50ms.";
                return null;
            }
            health = baseHealth with { Path = probePath, Interval = interval, Timeout = timeout, Passes = spec.Passes ?? baseHealth.Passes, Host = spec.Host ?? baseHealth.Host };
        }
        if ((error = Durations.Parse(request.DeployTimeout, "Deploy timeout", DefaultDeployTimeout, out var deployTimeout) ?? "") != "") return null;
        if ((error = Durations.Parse(request.DrainTimeout, "Drain timeout", current?.DrainTimeout ?? TimeSpan.FromSeconds(30), out var drainTimeout) ?? "") != "") return null;
        TimeSpan? targetTimeout = current?.TargetTimeout;
        if (request.TargetTimeout is not null)
        {
            if ((error = Durations.Parse(request.TargetTimeout, "Target timeout", RouterOptions.DefaultTargetTimeout, out var parsed) ?? "") != "") return null;
            if (parsed < TimeSpan.FromSeconds(1))
            {
                error = "Target timeout must be at least 1s.";
                return null;
            }
            targetTimeout = parsed;
        }
        return new DeployPlan(service, targets, hosts, path, health, deployTimeout, drainTimeout, TargetTimeout: targetTimeout, Staging: staging);
    }

    private static string DescribeRoute(IReadOnlyList<HostPattern> hosts, string path) =>
        (hosts.Count == 0 ? "Any host" : "Host " + string.Join(", ", hosts)) + (path == "/" ? "" : " with path " + path);
}
