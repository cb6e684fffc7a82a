namespace Baton.Registry;

/// <summary>One tag of a repository; <see cref="Digest"/> and <see cref="Created"/> are null when the registry did not say (or the tag was beyond the detailed ones).</summary>
public sealed record TagInfo(string Tag, string? Digest, DateTimeOffset? Created);

/// <summary>The tags of one repository, newest first.</summary>
public sealed record TagList(ImageName Image, IReadOnlyList<TagInfo> Tags);
