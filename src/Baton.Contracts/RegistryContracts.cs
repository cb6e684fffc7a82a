using System.Text.Json.Serialization;

namespace Baton.Contracts;

/// <summary><c>GET /api/services/{name}/tags</c>: the tags of the service's image repository, newest first.</summary>
public sealed record TagsResponse(string Service, string Repository, IReadOnlyList<TagView> Tags);

/// <summary>One tag; <c>digest</c> and <c>created</c> are written as null when the registry did not say (or the tag was beyond the 100 detailed ones).</summary>
public sealed record TagView(
    string Tag,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? Digest,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] DateTimeOffset? Created);

/// <summary>A stored registry login as the API shows it: never the password.</summary>
public sealed record RegistryView(string Host, string Username);

/// <summary><c>PUT /api/registries/{host}</c>.</summary>
public sealed record RegistryLoginRequest(string? Username, string? Password);
