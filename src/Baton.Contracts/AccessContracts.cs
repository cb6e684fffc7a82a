namespace Baton.Contracts;

/// <summary>A sign-in of the web page: <c>POST /api/session</c>.</summary>
public sealed record SessionRequest(string? User, string? Password);

/// <summary>
/// Who the caller is. A cookie session carries <see cref="CsrfToken"/>, which unsafe calls made
/// with the cookie must echo in <c>X-CSRF-Token</c>; a bearer token has none.
/// </summary>
/// <param name="ExpiresAt">When the session (or the token) stops working if nothing extends it; null for a token that never expires.</param>
public sealed record SessionResponse(string User, string Role, string? CsrfToken, DateTimeOffset? ExpiresAt);

/// <summary>A user as the API shows it: never its password or hash.</summary>
public sealed record UserView(string Name, string Role, DateTimeOffset Created, bool Disabled);

public sealed record UsersResponse(IReadOnlyList<UserView> Users);

/// <summary><c>POST /api/users</c>: a new user with a role (<c>viewer</c>, <c>deployer</c>, <c>admin</c>) and a password.</summary>
public sealed record UserRequest(string? Name, string? Role, string? Password);

/// <summary><c>PUT /api/users/{name}</c>: each member that is set is changed.</summary>
public sealed record UserUpdate(string? Role = null, string? Password = null, bool? Disabled = null);

/// <summary>An API token as the API shows it after its creation: never its value or hash.</summary>
public sealed record TokenView(long Id, string Name, string Owner, string Role, DateTimeOffset Created, DateTimeOffset? LastUsed, DateTimeOffset? Expires, bool Revoked);

public sealed record TokensResponse(IReadOnlyList<TokenView> Tokens);

/// <summary><c>POST /api/tokens</c>: a token for the caller; its role defaults to the caller's and cannot exceed it.</summary>
/// <param name="Expires">A duration such as <c>30d</c> or <c>12h</c>; absent means it never expires.</param>
public sealed record TokenRequest(string? Name, string? Role = null, string? Expires = null);

/// <summary>The one answer that holds a token's value.</summary>
public sealed record TokenCreated(long Id, string Name, string Owner, string Role, DateTimeOffset Created, DateTimeOffset? Expires, string Token);

/// <summary>One audit entry: who did what to which target, when, and how it ended.</summary>
public sealed record AuditEntry(long Id, DateTimeOffset At, string Actor, string Action, string? Target, string Outcome, string? Detail);

/// <summary>Newest first.</summary>
public sealed record AuditResponse(IReadOnlyList<AuditEntry> Entries);
