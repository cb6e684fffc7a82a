namespace Baton.Deploy.ServiceFile;

/// <summary>
/// Which app servers run a service's containers, per colour (<c>servers:</c> in baton.yml). The same
/// list for both colours puts every colour on each server; two lists are the seed's layout, blue on
/// its servers and green on others. Each server runs <see cref="ServiceDefinition.Replicas"/> web
/// containers of a release. Absent: the controller's own engine.
/// </summary>
public sealed record ServerPlacement(IReadOnlyList<string> Blue, IReadOnlyList<string> Green)
{
    /// <summary>The servers of one colour.</summary>
    public IReadOnlyList<string> For(string color) => color == "green" ? Green : Blue;

    /// <summary>Every server the service may use, each once.</summary>
    public IReadOnlyList<string> All => [.. Blue.Concat(Green).Distinct(StringComparer.Ordinal)];

    /// <summary>True when both colours share the same servers.</summary>
    public bool Shared => Blue.SequenceEqual(Green);

    /// <summary>A server's name: a DNS label (lower-case letters, digits, dashes; 1–63; no dash at either end).</summary>
    public static bool IsName(string name) =>
        name.Length is > 0 and <= 63 && name[0] != '-' && name[^1] != '-'
        && name.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '-');
}
