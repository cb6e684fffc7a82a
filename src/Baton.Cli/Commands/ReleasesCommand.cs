using System.CommandLine;
using Baton.Contracts;

namespace Baton.Cli.Commands;

/// <summary><c>baton releases SERVICE [--json]</c>: the releases to roll back to, and which are still kept for an instant one.</summary>
internal sealed class ReleasesCommand : ServiceCommand
{
    public ReleasesCommand() : base("releases", "List a service's releases, newest first: live, kept (instant rollback) or gone")
    {
        Options.Add(ClientOptions.Json);
    }

    protected override Task<int> RunAsync(BatonClient client, ParseResult parse, string service, CancellationToken ct) =>
        ShowAsync(client, parse, PathOf(service, "/releases"), BatonJson.Default.ReleasesResponse, BatonJson.Indented.ReleasesResponse, releases => Print(service, releases), ct);

    private static void Print(string service, ReleasesResponse releases)
    {
        if (releases.Releases.Count == 0)
        {
            Output.Line($"{service} has no releases yet; deploy one with: baton deploy {service} --image REPO:TAG");
            return;
        }
        var rows = releases.Releases.Select(r => (r.Release, r.State, Color: r.Color ?? "-", r.Image,
            Deployed: r.DeployedAt.ToLocalTime().ToString("yyyy-MM-dd HH:mm:ss"), By: r.DeployedBy)).ToList();
        int releaseWidth = Math.Max(7, rows.Max(r => r.Release.Length));
        int colorWidth = Math.Max(6, rows.Max(r => r.Color.Length));
        int imageWidth = Math.Max(5, rows.Max(r => r.Image.Length));
        Output.Line($"{"RELEASE".PadRight(releaseWidth)}  {"STATE",-5}  {"COLOUR".PadRight(colorWidth)}  {"IMAGE".PadRight(imageWidth)}  {"DEPLOYED",-19}  BY");
        foreach (var r in rows)
            Output.Line($"{r.Release.PadRight(releaseWidth)}  {r.State,-5}  {r.Color.PadRight(colorWidth)}  {r.Image.PadRight(imageWidth)}  {r.Deployed,-19}  {r.By}");
    }
}
