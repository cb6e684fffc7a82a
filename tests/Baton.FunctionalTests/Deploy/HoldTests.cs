using Baton.Deploy;
using Baton.FunctionalTests.Infrastructure;

namespace Baton.FunctionalTests.Deploy;

/// <summary><c>--hold</c>, <c>promote</c>, <c>abort</c>, and the one-deployment-at-a-time lock.</summary>
public sealed class HoldTests
{
    [Fact]
    public async Task Deploy_Hold_CandidateOnStagingRouteLiveUnchangedPromoteSwitches()
    {
        await using var app = await BlueGreenApp.StartAsync();
        await app.DeployOkAsync("v1");

        var held = await app.DeployOkAsync("v2", "--hold");
        Assert.Contains("Held before the switch", held.Stdout);
        // The message points at the staging listener, where the held colour answers; the public
        // listener knows no staging host.
        Assert.Contains(app.StagingUrl("green") + " (the staging listener)", held.Stdout);
        Assert.Equal("v2", await app.StagingVersionAsync("green"));
        var onPublic = await app.GetAsync("/version", app.StagingHost("green"));
        Assert.Equal(404, onPublic.Status);
        Assert.Equal($"No service is routed for {app.StagingHost("green")}/version.\n", onPublic.Body);
        Assert.Equal("v1", await app.LiveVersionAsync());
        Assert.Equal("held", (await app.LatestAsync()).Outcome);

        var promoted = await app.CliAsync("promote", app.Name);
        Assert.True(promoted.ExitCode == 0, promoted.ToString());
        Assert.Contains("Switched", promoted.Stdout);
        Assert.Equal("v2", await app.LiveVersionAsync());
        var latest = await app.LatestAsync();
        Assert.Equal("succeeded", latest.Outcome);
        Assert.Equal(SampleImages.Image("v2"), latest.Image);
        var all = await app.ContainersAsync();
        Assert.True(all.Count == 2 && all.Count(c => c.Running()) == 1, EngineContainers.Describe(all));
        Assert.Equal("green", all.Single(c => c.Running()).Label(ContainerLabels.Color));
    }

    [Fact]
    public async Task Abort_HeldDeploy_CandidateRemovedLiveUntouched()
    {
        await using var app = await BlueGreenApp.StartAsync();
        await app.DeployOkAsync("v1");
        var before = await app.ContainersAsync();
        await app.DeployOkAsync("v2", "--hold");
        Assert.Equal("v2", await app.StagingVersionAsync("green"));

        var aborted = await app.CliAsync("abort", app.Name);
        Assert.True(aborted.ExitCode == 0, aborted.ToString());
        Assert.Contains("discarded", aborted.Stdout);

        Assert.Equal("v1", await app.LiveVersionAsync());
        var staging = await app.StagingGetAsync("green");
        Assert.NotEqual("v2", staging.Body);
        var after = await app.ContainersAsync();
        Assert.True(after.Select(c => c.Id).SequenceEqual(before.Select(c => c.Id)), $"before: {EngineContainers.Describe(before)}\nafter: {EngineContainers.Describe(after)}");
        Assert.Equal("aborted", (await app.LatestAsync()).Outcome);

        // Nothing is held any more; the next deploy goes through.
        var again = await app.CliAsync("abort", app.Name);
        Assert.True(again.ExitCode == 6, again.ToString());
        await app.DeployOkAsync("v3");
        Assert.Equal("v3", await app.LiveVersionAsync());
    }

    [Fact]
    public async Task Deploy_WhileAnotherIsHeldOrRunning_Exit6NamesLockHolderNothingChanged()
    {
        await using var app = await BlueGreenApp.StartAsync();
        await app.DeployOkAsync("v1");
        await app.DeployOkAsync("v2", "--hold");
        var heldId = (await app.LatestAsync()).Id;
        var before = await app.ContainersAsync();

        var refused = await app.DeployAsync("v3");
        Assert.True(refused.ExitCode == 6, refused.ToString());
        BatonCli.AssertOneSentence(refused);
        Assert.Matches($@"Deployment #{heldId} of {app.Name} by admin holds the lock since \d\d:\d\d:\d\d UTC", refused.Stderr);
        Assert.Contains($"baton promote {app.Name}", refused.Stderr);
        Assert.Equal("v1", await app.LiveVersionAsync());
        Assert.Equal("v2", await app.StagingVersionAsync("green"));
        Assert.Equal(before.Select(c => c.Id), (await app.ContainersAsync()).Select(c => c.Id));
        var rollback = await app.CliAsync("rollback", app.Name);
        Assert.True(rollback.ExitCode is 6, rollback.ToString());

        Assert.Equal(0, (await app.CliAsync("abort", app.Name)).ExitCode);

        // A deploy still waiting for health holds the lock too.
        await app.ApplyOkAsync(app.Yaml("env:\n  UNHEALTHY: \"1\"", deployTimeout: "6s"));
        using (var running = BatonCli.Start(app.CliEnvironment, "deploy", app.Name, "--image", SampleImages.Image("v2")))
        {
            await running.WaitForOutputAsync("Containers started", TimeSpan.FromSeconds(30));
            var second = await app.DeployAsync("v3");
            Assert.True(second.ExitCode == 6, second.ToString());
            Assert.Contains("holds the lock since", second.Stderr);
            Assert.Contains("wait for it to finish", second.Stderr);
            var first = await running.EndAsync(TimeSpan.FromSeconds(60));
            Assert.True(first.ExitCode == 1, first.ToString());
        }
        Assert.Equal("v1", await app.LiveVersionAsync());
        Assert.Equal(before.Where(c => c.Label(ContainerLabels.Release) != "r2").Select(c => c.Id).Order(), (await app.ContainersAsync()).Select(c => c.Id).Order());
    }

    [Fact]
    public async Task Deploy_SmokeChecks_GoThroughTheStagingListener()
    {
        // The staging listener serves only 127.0.0.2 here, so the deployer's checks (from 127.0.0.1)
        // are refused there: proof that they went through it and nowhere else.
        await using var app = await BlueGreenApp.StartAsync("smoke:\n  - { path: /health, status: 200 }", o => o with { StagingAllow = "127.0.0.2/32" });
        var refused = await app.DeployAsync("v1");
        Assert.True(refused.ExitCode == 1, refused.ToString());
        Assert.Contains($"Smoke check GET /health on {app.StagingHost("blue")} answered 403, expected 200", refused.Stderr);
        Assert.Equal(404, (await app.GetAsync()).Status);
    }

    [Fact]
    public async Task Deploy_NoStagingListener_SmokeChecksGoToTheContainers_HoldNamesThem()
    {
        await using var app = await BlueGreenApp.StartAsync("smoke:\n  - { path: /version, status: 200 }", o => o with { ListenStaging = "none" });
        var first = await app.DeployOkAsync("v1");
        Assert.Contains("Smoke checks passed", first.Stdout);
        var held = await app.DeployOkAsync("v2", "--hold");
        Assert.Matches(@"is reachable at 127\.0\.0\.1:\d+;", held.Stdout);
        Assert.Equal(404, (await app.GetAsync("/version", app.StagingHost("green"))).Status);
        Assert.Equal("v1", await app.LiveVersionAsync());
    }
}
