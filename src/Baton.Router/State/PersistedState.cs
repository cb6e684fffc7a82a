using System.Text.Json.Serialization;

namespace Baton.Router.State;

/// <summary>The routing state as written to <c>&lt;data&gt;/router-state.json</c>.</summary>
internal sealed record PersistedState(int Format, IReadOnlyList<PersistedService> Services);

internal sealed record PersistedService(
    string Name,
    IReadOnlyList<string> Hosts,
    string Path,
    PersistedHealth Health,
    double DrainTimeoutSeconds,
    IReadOnlyList<PersistedTarget>? Active,
    IReadOnlyList<PersistedTarget>? Candidate,
    double? PauseMaxSeconds,
    DateTimeOffset? PausedSince,
    string? Maintenance,
    string? ActiveName = null,
    string? Staging = null,
    double CanaryPercent = 0,
    double? TargetTimeoutSeconds = null,
    PersistedTls? Tls = null,
    string? ActiveRelease = null);

internal sealed record PersistedTls(bool Auto, bool RedirectHttps, bool Hsts);

internal sealed record PersistedHealth(string Path, double IntervalSeconds, double TimeoutSeconds, int Passes, int Failures, string? Host, int EjectAfter);

/// <param name="Release">The target's own release when the pool runs two (mid-way through a rolling deploy); else null and the pool's <c>activeRelease</c>.</param>
internal sealed record PersistedTarget(string Address, int Weight, string? Release = null);

[JsonSourceGenerationOptions(WriteIndented = true, PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(PersistedState))]
internal sealed partial class PersistedStateJson : JsonSerializerContext;
