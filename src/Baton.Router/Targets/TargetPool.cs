namespace Baton.Router.Targets;

/// <summary>An immutable set of weighted targets serving one release of a service.</summary>
public sealed class TargetPool
{
    public static readonly TargetPool Empty = new([]);

    private readonly Target[] _targets;

    public TargetPool(IEnumerable<Target> targets, string? name = null, bool standby = false)
    {
        _targets = targets.ToArray();
        Name = name;
        Standby = standby;
    }

    /// <summary>The pool's name, such as a colour (<c>blue</c>); its staging host reaches it whatever is live.</summary>
    public string? Name { get; }

    /// <summary>
    /// True for the warm earlier release staged as the candidate while a new one is watched after
    /// its switch: a request that finds no available target in the active pool (the new release
    /// crashed, or refuses connections) goes to it instead of failing.
    /// </summary>
    public bool Standby { get; }

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
