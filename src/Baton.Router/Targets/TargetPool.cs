namespace Baton.Router.Targets;

/// <summary>An immutable set of weighted targets serving one release of a service.</summary>
public sealed class TargetPool
{
    public static readonly TargetPool Empty = new([]);

    private readonly Target[] _targets;
    private readonly string?[] _releases;

    /// <param name="release">The release every target runs; null when not known (a <c>--target</c> deploy, an old state file).</param>
    public TargetPool(IEnumerable<Target> targets, string? name = null, bool standby = false, string? release = null)
    {
        _targets = targets.ToArray();
        _releases = Enumerable.Repeat(release, _targets.Length).ToArray();
        Name = name;
        Standby = standby;
        Release = release;
    }

    private TargetPool(Target[] targets, string?[] releases, string? name)
    {
        _targets = targets;
        _releases = releases;
        Name = name;
        // A pool mid-way through a rolling deploy runs two releases: it has none of its own.
        Release = releases.Length > 0 && releases.All(r => r is not null && r == releases[0]) ? releases[0] : null;
    }

    /// <summary>A pool whose targets may run different releases (a rolling deploy's merge keeps each target's own).</summary>
    public static TargetPool Of(IEnumerable<(Target Target, string? Release)> members, string? name)
    {
        var list = members.ToArray();
        return new TargetPool(list.Select(m => m.Target).ToArray(), list.Select(m => m.Release).ToArray(), name);
    }

    /// <summary>The pool's name, such as a colour (<c>blue</c>); its staging host reaches it whatever is live.</summary>
    public string? Name { get; }

    /// <summary>
    /// True for the warm earlier release staged as the candidate while a new one is watched after
    /// its switch: a request that finds no available target in the active pool (the new release
    /// crashed, or refuses connections) goes to it instead of failing.
    /// </summary>
    public bool Standby { get; }

    /// <summary>
    /// The release the pool runs (such as <c>r2</c>), as the deployer named it when it staged the
    /// pool; null when not known or when its targets run different releases.
    /// </summary>
    public string? Release { get; }

    /// <summary>The release of one of the pool's targets; null when not known or not in the pool.</summary>
    public string? ReleaseOf(Target target)
    {
        var i = Array.IndexOf(_targets, target);
        return i >= 0 ? _releases[i] : null;
    }

    public IReadOnlyList<Target> Targets => _targets;

    public bool AllHealthy => _targets.Length > 0 && _targets.All(t => t.Health == TargetHealth.Healthy);

    public bool Contains(TargetAddress address) => Find(address) is not null;

    public Target? Find(TargetAddress address)
    {
        foreach (var t in _targets) if (t.Address == address) return t;
        return null;
    }

    /// <summary>
    /// Picks an available target: two weighted random choices, the one with fewer requests in
    /// flight per unit of weight wins (power of two choices). Allocates nothing.
    /// </summary>
    public Target? Pick(Target? exclude1 = null, Target? exclude2 = null)
    {
        var targets = _targets;
        if (targets.Length == 1)
        {
            var only = targets[0];
            return only.IsAvailable && only != exclude1 && only != exclude2 ? only : null;
        }
        int totalWeight = 0;
        foreach (var t in targets)
            if (t.IsAvailable && t != exclude1 && t != exclude2) totalWeight += t.Weight;
        if (totalWeight == 0) return null;

        var a = PickWeighted(targets, Random.Shared.Next(totalWeight), exclude1, exclude2);
        var b = PickWeighted(targets, Random.Shared.Next(totalWeight), exclude1, exclude2);
        if (a == b) return a;
        // Compare inFlight/weight without division.
        return (long)a.InFlight * b.Weight <= (long)b.InFlight * a.Weight ? a : b;
    }

    private static Target PickWeighted(Target[] targets, int ticket, Target? exclude1, Target? exclude2)
    {
        Target last = null!;
        foreach (var t in targets)
        {
            if (!t.IsAvailable || t == exclude1 || t == exclude2) continue;
            last = t;
            ticket -= t.Weight;
            if (ticket < 0) return t;
        }
        return last;
    }
}
