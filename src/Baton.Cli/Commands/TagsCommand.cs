using System.CommandLine;
using Baton.Contracts;

namespace Baton.Cli.Commands;

/// <summary><c>baton tags SERVICE [--json]</c>: the tags of the service's image repository, newest first.</summary>
internal sealed class TagsCommand : ServiceCommand
{
    public TagsCommand() : base("tags", "List the tags of a service's image repository in its registry, newest first")
    {
        Options.Add(ClientOptions.Json);
    }

    protected override Task<int> RunAsync(BatonClient client, ParseResult parse, string service, CancellationToken ct) =>
        ShowAsync(client, parse, PathOf(service, "/tags"), BatonJson.Default.TagsResponse, BatonJson.Indented.TagsResponse, Print, ct);

    private static void Print(TagsResponse tags)
    {
        if (tags.Tags.Count == 0)
        {
            Output.Line($"{tags.Repository} has no tags yet.");
            return;
        }
        var rows = tags.Tags.Select(t => (t.Tag, Digest: ShortDigest(t.Digest), Created: t.Created?.ToLocalTime().ToString("yyyy-MM-dd HH:mm:ss") ?? "-")).ToList();
        int tagWidth = Math.Max(3, rows.Max(r => r.Tag.Length));
        int digestWidth = Math.Max(6, rows.Max(r => r.Digest.Length));
        Output.Line($"{"TAG".PadRight(tagWidth)}  {"DIGEST".PadRight(digestWidth)}  CREATED");
        foreach (var (tag, digest, created) in rows) Output.Line($"{tag.PadRight(tagWidth)}  {digest.PadRight(digestWidth)}  {created}");
    }

    /// <summary><c>sha256:</c> and the first 12 hex digits, as Docker shows image ids.</summary>
    private static string ShortDigest(string? digest)
    {
        if (digest is null) return "-";
        var colon = digest.IndexOf(':', StringComparison.Ordinal);
        return colon >= 0 && digest.Length > colon + 13 ? digest[..(colon + 13)] : digest;
    }
}
