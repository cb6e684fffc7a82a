using System.Text.Json;
using Baton.Deploy;
using Baton.Server.RouterLink;

namespace Baton.Server.Tests.RouterLink;

/// <summary>A pool's release crosses the control socket to a router in its own process with the stage call, and back with the live pool.</summary>
public sealed class LinkStageReleaseTests
{
    private static readonly RouteSpec Routes = new(["app.example.com"], "/", "{color}.{host}", "/health", TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(5), 2, null, TimeSpan.FromSeconds(30));

    [Theory]
    [InlineData("r2")]
    [InlineData(null)]
    public void LinkStage_WithRelease_RoundTripsThroughTheLinksJson(string? release)
    {
        var json = JsonSerializer.Serialize(new LinkStage("web", Routes, "green", ["127.0.0.1:5001"], TimeSpan.FromSeconds(60), false, release), RouterLinkJson.Default.LinkStage);

        var back = JsonSerializer.Deserialize(json, RouterLinkJson.Default.LinkStage)!;

        Assert.Equal(release, back.Release);
        Assert.Equal("green", back.Pool);
    }

    [Fact]
    public void LinkStage_FromAControllerWithoutReleases_ReadsAsNone()
    {
        // What a controller of the build before sends: no release field at all.
        var json = JsonSerializer.Serialize(new LinkStage("web", Routes, "green", ["127.0.0.1:5001"], TimeSpan.FromSeconds(60), false), RouterLinkJson.Default.LinkStage)
            .Replace(",\"release\":null", "", StringComparison.Ordinal);
        Assert.DoesNotContain("release", json, StringComparison.Ordinal);

        Assert.Null(JsonSerializer.Deserialize(json, RouterLinkJson.Default.LinkStage)!.Release);
    }

    [Fact]
    public void LinkLive_WithRelease_RoundTripsThroughTheLinksJson()
    {
        var json = JsonSerializer.Serialize(new LinkLive(new LivePool("blue", ["127.0.0.1:5001"], "r1")), RouterLinkJson.Default.LinkLive);

        var back = JsonSerializer.Deserialize(json, RouterLinkJson.Default.LinkLive)!.Live!;

        Assert.Equal("r1", back.Release);
        Assert.Equal("blue", back.Name);
    }
}
