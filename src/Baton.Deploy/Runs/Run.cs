using Baton.Deploy.ServiceFile;

namespace Baton.Deploy.Runs;

/// <summary>One deployment in progress, whichever strategy runs it.</summary>
internal sealed class Run
{
    public required long Id { get; init; }
    /// <summary>The service's definition; in publish mode its container port is filled in from the image once resolved.</summary>
    public required ServiceDefinition Def { get; set; }
    public required string Release { get; init; }
    public required string Color { get; init; }
    public required string Image { get; init; }
    /// <summary>The image pinned to its digest (what the containers run), once resolved.</summary>
    public string Pinned { get; set; } = "";
    public IReadOnlyList<ReleaseContainer> Web { get; set; } = [];
    /// <summary>The TCP ports the image declares (<c>EXPOSE</c>), once resolved: a hint when a host-mode app never answers.</summary>
    public IReadOnlyList<int> ExposedPorts { get; set; } = [];
    /// <summary>The new containers are the router's candidate pool.</summary>
    public bool Staged { get; set; }
    /// <summary>Containers that were kept stopped for rollback: stopped again, not removed, if this run fails.</summary>
    public bool Reused { get; init; }
    /// <summary>When its containers were (re)started: their exits from then on fail the run.</summary>
    public DateTimeOffset StartedAt { get; set; } = DateTimeOffset.UtcNow;
    /// <summary>The step running now, for "Baton stopped during …".</summary>
    public string Step { get; set; } = "";
    /// <summary>The watch window after the switch for this run (0: none).</summary>
    public TimeSpan Watch { get; init; }
    public string Service => Def.Name;
    public IReadOnlyList<string> Targets => Web.Select(w => w.Target!).ToList();
}
