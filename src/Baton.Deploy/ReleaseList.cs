using Baton.Deploy.Store;

namespace Baton.Deploy;

/// <summary>A release of a service as an operator picks one to roll back to: what it ran, and whether that can be instant.</summary>
/// <param name="State">See <see cref="ReleaseStates"/>.</param>
/// <param name="DeployedAt">When it last went live (a rollback to it counts), and <paramref name="DeployedBy"/> who made it so.</param>
public sealed record ReleaseInfo(string Release, string Image, string? Digest, string State, string? Color, DateTimeOffset DeployedAt, string DeployedBy);

/// <summary>What is left of a release.</summary>
public static class ReleaseStates
{
    /// <summary>The router sends the service's traffic to its containers.</summary>
    public const string Live = "live";
    /// <summary>Its web containers still exist (stopped): a rollback to it restarts them.</summary>
    public const string Kept = "kept";
    /// <summary>Only the history knows it: a rollback to it pulls and starts it anew.</summary>
    public const string Gone = "gone";
}

/// <summary>
/// The releases of a service, newest first: every release that went live (from the history),
/// with its state read from the engine's containers (by their <c>baton.release</c> label) and the
/// router's live pool. Deployments that never went live (failed, aborted, held) are not releases.
/// </summary>
public static class ReleaseList
{
    /// <param name="succeeded">The service's succeeded deployments, newest first (deploys and rollbacks).</param>
    /// <param name="containers">Every container of the service, any state.</param>
    /// <param name="liveRelease">The release whose containers the router's live pool targets, if known.</param>
    public static IReadOnlyList<ReleaseInfo> Build(IReadOnlyList<DeploymentRecord> succeeded, IReadOnlyList<ReleaseContainer> containers, string? liveRelease) =>
        succeeded
            .OrderByDescending(d => d.FinishedAt ?? d.StartedAt).ThenByDescending(d => d.Id)
            .DistinctBy(d => d.Release)
            .Select(d =>
            {
                var web = containers.Where(c => c.Release == d.Release && c.Role == ContainerLabels.Web).ToList();
                var state = d.Release == liveRelease ? ReleaseStates.Live : web.Count > 0 ? ReleaseStates.Kept : ReleaseStates.Gone;
                return new ReleaseInfo(d.Release, d.Image, d.Digest, state, web.FirstOrDefault(c => c.Color is not null)?.Color ?? d.Color, d.FinishedAt ?? d.StartedAt, d.Author);
            })
            .ToList();
}
