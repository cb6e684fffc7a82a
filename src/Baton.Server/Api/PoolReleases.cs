using Baton.Contracts;
using Baton.Deploy.Store;

namespace Baton.Server.Api;

/// <summary>
/// Adds to the router's status what only the deployment history knows: which image and release
/// each colour of a Docker service runs. The router knows pools by name, not images, and the page
/// shows the live release without a second call per service.
/// </summary>
internal static class PoolReleases
{
    /// <summary>How far back a colour's release is looked for; the live one is among the newest.</summary>
    private const int Lookback = 20;

    public static StatusResponse Add(StatusResponse status, DeployStore store, int? publicPort) =>
        status with { Services = status.Services.Select(s => Add(s, store)).ToList(), PublicPort = publicPort };

    public static ServiceStatus Add(ServiceStatus service, DeployStore store)
    {
        if (service.Active?.Name is null && service.Candidate?.Name is null) return service;
        var history = store.History(service.Name, Lookback);
        if (history.Count == 0) return service;
        return service with { Active = Add(service.Active, history), Candidate = Add(service.Candidate, history) };
    }

    /// <summary>A colour runs the newest deployment onto it that went live, is held there, or is still running.</summary>
    private static PoolStatus? Add(PoolStatus? pool, IReadOnlyList<DeploymentRecord> history)
    {
        if (pool?.Name is not { } color) return pool;
        var d = history.FirstOrDefault(d => d.Color == color && d.Outcome is Outcomes.Succeeded or Outcomes.Held or Outcomes.Running);
        return d is null ? pool : pool with { Image = d.Image, Release = d.Release };
    }
}
