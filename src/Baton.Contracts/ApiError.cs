namespace Baton.Contracts;

/// <summary>The body of every 4xx/5xx answer of the admin API: one sentence for a person.</summary>
public sealed record ApiError(string Error, IReadOnlyList<string>? Details = null);
