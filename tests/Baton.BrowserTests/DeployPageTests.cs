using Baton.BrowserTests.Infrastructure;
using Baton.FunctionalTests.Infrastructure;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Baton.BrowserTests;

/// <summary>An operator deploys, watches and rolls back from the page alone; visitors get what the page says.</summary>
[Collection(BrowserCollection.Name)]
public sealed class DeployPageTests(Browser browser)
{
    private static readonly TimeSpan DeployTime = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task Deploy_TagPickedFromRegistry_StepsToTheEndLiveReleaseChanges_RollbackBringsPreviousBack()
    {
        await using var server = await WebServer.StartAsync();
        await using var tab = await browser.OpenAsync(server.AdminUri);
        var page = new Dashboard(tab.Page);
        await page.LoginAsync("admin", server.AdminPassword);
        await page.WaitLoggedInAsync("admin");

        // Applied, never deployed: its card waits for the first release.
        await Expect(page.Card(server.Service)).ToContainTextAsync("never deployed");
        await page.OpenServiceAsync(server.Service);
        await Expect(tab.Page.Locator("#detail-summary")).ToContainTextAsync("not live yet");

        // The picker lists the registry's tags.
        var picker = tab.Page.Locator("#deploy-tag option");
        await Expect(picker.Filter(new() { HasText = "v3" })).ToHaveCountAsync(1);
        await Expect(tab.Page.Locator("#tags-error")).ToBeHiddenAsync();
        await tab.Page.Locator("#deploy-tag").SelectOptionAsync("v1");
        await DeployAsync(page);
        await Expect(page.LiveTag(server.Service)).ToHaveTextAsync("v1", new() { Timeout = 10_000 });
        Assert.Equal("200 v1", await server.LiveVersionAsync());

        await tab.Page.Locator("#deploy-tag").SelectOptionAsync("v2");
        await DeployAsync(page, screenshot: "deploy-in-progress");
        await Expect(page.LiveTag(server.Service)).ToHaveTextAsync("v2", new() { Timeout = 10_000 });
        await Expect(tab.Page.Locator("#live-tag")).ToHaveTextAsync("v2");
        Assert.Equal("200 v2", await server.LiveVersionAsync());

        // v1 ran on blue, so v2 runs on green: its staging link is on the staging listener, the
        // only one where staging hosts answer.
        var staging = tab.Page.Locator("#detail-links a.staging");
        await Expect(staging).ToHaveCountAsync(1);
        await Expect(staging).ToHaveAttributeAsync("href", $"http://green.{server.Host}:{server.StagingUri.Port}/");

        // Roll back to the release picked from the history: v1's.
        var v1 = (await server.HistoryAsync()).Deployments.Single(d => d.Image.EndsWith(":v1", StringComparison.Ordinal)).Release;
        await tab.Page.Locator("#rollback-to").SelectOptionAsync(v1);
        await page.ConfirmAsync("#rollback-button");
        await Expect(page.ProgressState).ToHaveTextAsync("done", new() { Timeout = (float)DeployTime.TotalMilliseconds });
        await Expect(page.LiveTag(server.Service)).ToHaveTextAsync("v1", new() { Timeout = 10_000 });
        Assert.Equal("200 v1", await server.LiveVersionAsync());

        // The history shows all three, newest first, with their steps and timings.
        var rows = tab.Page.Locator("#history-rows tr");
        await Expect(rows).ToHaveCountAsync(3);
        await Expect(rows.Nth(0)).ToContainTextAsync("rollback");
        await Expect(rows.Nth(0)).ToContainTextAsync("succeeded");
        await Expect(rows.Nth(1)).ToContainTextAsync("v2");
        await rows.Nth(1).Locator("details summary").ClickAsync();
        await Expect(rows.Nth(1).Locator("details li").First).ToBeVisibleAsync();
        await Expect(rows.Nth(1).Locator("details li .took").First).ToContainTextAsync("s");
        await tab.ScreenshotAsync("history");

        // The audit log names who did it.
        await tab.Page.Locator(".view-tab[data-view='audit']").ClickAsync();
        var audit = tab.Page.Locator("#audit-rows tr");
        await Expect(audit.Filter(new() { HasText = "rollback" }).First).ToContainTextAsync("admin");
        await Expect(audit.Filter(new() { HasText = "deploy" }).First).ToContainTextAsync(server.Service);
        await tab.ScreenshotAsync("audit-log");
        Assert.Empty(tab.Errors);
    }

    /// <summary>Signs in with the admin token and opens the service's detail (v1 is live).</summary>
    private static async Task<Dashboard> OpenLiveServiceAsync(BrowserPage tab, WebServer server)
    {
        var page = new Dashboard(tab.Page);
        await page.LoginWithTokenAsync(server.Token);
        await page.WaitLoggedInAsync("admin");
        await page.OpenServiceAsync(server.Service);
        return page;
    }

    [Fact]
    public async Task Deploy_UnknownTag_ShowsTheFailureAndLiveStaysPut()
    {
        await using var server = await WebServer.StartAsync();
        await server.DeployAsync("v1");
        await using var tab = await browser.OpenAsync(server.AdminUri);
        var page = await OpenLiveServiceAsync(tab, server);

        // A tag the registry does not list can still be typed; it fails to resolve.
        await tab.Page.Locator("#deploy-tag-text").FillAsync("no-such-tag");
        await page.DeployButton.ClickAsync();
        await Expect(page.ProgressState).Not.ToHaveTextAsync("running", new() { Timeout = (float)DeployTime.TotalMilliseconds });
        var ended = await page.ProgressState.InnerTextAsync();
        Assert.True(ended == "failed", $"the deploy ended '{ended}', not failed: {await tab.Page.Locator("#progress-steps").InnerTextAsync()}");
        await Expect(tab.Page.Locator("#progress-steps li.failed").Last).ToBeVisibleAsync();
        await Expect(tab.Page.Locator("#history-rows tr").First).ToContainTextAsync("failed");
        await Expect(page.LiveTag(server.Service)).ToHaveTextAsync("v1");
        Assert.Equal("200 v1", await server.LiveVersionAsync());
    }

    [Fact]
    public async Task LiveContainerCrashes_CardAndDetailShowTheServiceDegradedWithTheExit()
    {
        await using var server = await WebServer.StartAsync();
        await server.DeployAsync("v1");
        await using var tab = await browser.OpenAsync(server.AdminUri);
        var page = await OpenLiveServiceAsync(tab, server);
        var badge = page.Card(server.Service).Locator("[data-testid='degraded']");
        await Expect(badge).ToHaveCountAsync(0);

        // A crash of the live container after its watch (its restart policy starts it again).
        var live = Assert.Single(await EngineContainers.ListAsync(server.Service));
        var killed = await SampleImages.RunAsync("docker", ["kill", live.Id], TimeSpan.FromSeconds(30));
        Assert.True(killed.ExitCode == 0, killed.ToString());

        // The page refreshes its status by itself: no reload.
        await Expect(badge).ToContainTextAsync("degraded: 1 exit", new() { Timeout = 30_000 });
        await Expect(tab.Page.Locator("#detail-degraded")).ToContainTextAsync("exit code 137");
        await tab.ScreenshotAsync("degraded");
        Assert.Empty(tab.Errors);
    }

    [Fact]
    public async Task HeldDeployStartedElsewhere_ShownWithItsSteps_CanaryShareThenPromoteFromThePage()
    {
        await using var server = await WebServer.StartAsync();
        await server.DeployAsync("v1");
        await server.DeployAsync("v2", hold: true); // as the CLI would: baton deploy --hold
        await using var tab = await browser.OpenAsync(server.AdminUri);
        var page = new Dashboard(tab.Page);
        await page.LoginAsync("admin", server.AdminPassword);
        await page.WaitLoggedInAsync("admin");
        await page.OpenServiceAsync(server.Service);

        // The held deployment, from the history: its steps, and the candidate on the card.
        await Expect(page.ProgressState).ToHaveTextAsync("held");
        await Expect(tab.Page.Locator("#progress .steps li").First).ToBeVisibleAsync();
        await Expect(page.Card(server.Service).Locator("[data-pool='candidate'] [data-testid='candidate-tag']")).ToHaveTextAsync("v2");
        await Expect(page.DeployButton).ToBeDisabledAsync();
        await Expect(tab.Page.Locator("#promote-button")).ToBeEnabledAsync();

        // Send half the clients to the candidate.
        await tab.Page.Locator("#canary-percent").FillAsync("50");
        await tab.Page.Locator("#canary-button").ClickAsync();
        await Expect(page.Card(server.Service).Locator("[data-testid='canary']")).ToHaveTextAsync("canary 50 %");
        await tab.ScreenshotAsync("held-candidate");

        await tab.Page.Locator("#promote-button").ClickAsync();
        await Expect(page.ProgressState).ToHaveTextAsync("done", new() { Timeout = (float)DeployTime.TotalMilliseconds });
        await Expect(page.LiveTag(server.Service)).ToHaveTextAsync("v2", new() { Timeout = 10_000 });
        await Expect(page.Card(server.Service).Locator("[data-pool='candidate']")).ToHaveCountAsync(0);
        Assert.Equal("200 v2", await server.LiveVersionAsync());
        await Expect(tab.Page.Locator("#history-rows tr").First).ToContainTextAsync("succeeded");
        Assert.Empty(tab.Errors);
    }

    [Fact]
    public async Task MaintenanceAndPause_FromThePage_VisitorsSeeThemAndTheyEnd()
    {
        await using var server = await WebServer.StartAsync();
        await server.DeployAsync("v1");
        await using var tab = await browser.OpenAsync(server.AdminUri);
        var page = new Dashboard(tab.Page);
        await page.LoginAsync("admin", server.AdminPassword);
        await page.WaitLoggedInAsync("admin");
        await page.OpenServiceAsync(server.Service);

        // Cancelling the confirmation changes nothing.
        await tab.Page.Locator("#maintenance-message").FillAsync("Back at 14:00");
        await tab.Page.Locator("#maintenance-on").ClickAsync();
        await tab.Page.Locator("#confirm-cancel").ClickAsync();
        await Expect(tab.Page.Locator("#confirm")).ToBeHiddenAsync();
        Assert.Equal("200 v1", await server.LiveVersionAsync());

        await page.ConfirmAsync("#maintenance-on");
        await Expect(page.Card(server.Service).Locator(".badge", new() { HasText = "maintenance" })).ToBeVisibleAsync();
        var during = await server.LiveVersionAsync();
        Assert.StartsWith("503 ", during);
        Assert.Contains("Back at 14:00", during);
        await tab.Page.Locator("#maintenance-off").ClickAsync();
        await Expect(page.Card(server.Service).Locator(".badge", new() { HasText = "maintenance" })).ToHaveCountAsync(0);
        Assert.Equal("200 v1", await server.LiveVersionAsync());

        await page.ConfirmAsync("#pause-button");
        await Expect(page.Card(server.Service).Locator(".badge", new() { HasText = "paused" })).ToBeVisibleAsync();
        var held = server.LiveVersionAsync(); // waits while the service is paused
        await Task.Delay(300);
        Assert.False(held.IsCompleted, "a request answered while the service was paused");
        await tab.Page.Locator("#resume-button").ClickAsync();
        Assert.Equal("200 v1", await held);
        await Expect(page.Card(server.Service).Locator(".badge", new() { HasText = "paused" })).ToHaveCountAsync(0);
        Assert.Empty(tab.Errors);
    }

    [Fact]
    public async Task CanaryFromThePage_StepShownWhileItRuns_PromoteSwitchesNow()
    {
        await using var server = await WebServer.StartAsync();
        await server.DeployAsync("v1");
        await using var tab = await browser.OpenAsync(server.AdminUri);
        var page = new Dashboard(tab.Page);
        await page.LoginAsync("admin", server.AdminPassword);
        await page.WaitLoggedInAsync("admin");
        await page.OpenServiceAsync(server.Service);

        await tab.Page.Locator("#deploy-tag").SelectOptionAsync("v2");
        await tab.Page.Locator("#deploy-strategy").SelectOptionAsync("canary");
        await tab.Page.Locator("#deploy-steps").FillAsync("50,100");
        await tab.Page.Locator("#deploy-step-time").FillAsync("5m");
        await page.DeployButton.ClickAsync();

        // While the candidate has half the clients, the card shows the step and the share.
        var rollout = page.Card(server.Service).Locator("[data-testid='rollout']");
        await Expect(rollout).ToContainTextAsync("canary step 1 of 2", new() { Timeout = 30_000 });
        await Expect(page.Card(server.Service).Locator("[data-pool='candidate'] [data-testid='candidate-tag']")).ToHaveTextAsync("v2");
        await tab.ScreenshotAsync("canary-in-progress");

        // The step lasts minutes; promote skips the rest and switches now.
        await tab.Page.Locator("#promote-button").ClickAsync();
        await Expect(page.ProgressState).ToHaveTextAsync("done", new() { Timeout = (float)DeployTime.TotalMilliseconds });
        await Expect(page.LiveTag(server.Service)).ToHaveTextAsync("v2", new() { Timeout = 10_000 });
        await Expect(rollout).ToHaveCountAsync(0);
        Assert.Equal("200 v2", await server.LiveVersionAsync());
        await Expect(tab.Page.Locator("#history-rows tr").First).ToContainTextAsync("succeeded");
        Assert.Empty(tab.Errors);
    }

    private static async Task DeployAsync(Dashboard page, string? screenshot = null)
    {
        await page.DeployButton.ClickAsync();
        await Expect(page.ProgressSteps.First).ToBeVisibleAsync();
        if (screenshot is not null) await page.Page.ScreenshotAsync(new PageScreenshotOptions { Path = ScreenshotPath(screenshot), FullPage = true });
        await Expect(page.ProgressState).ToHaveTextAsync("done", new() { Timeout = (float)DeployTime.TotalMilliseconds });
        Assert.True(await page.ProgressSteps.CountAsync() >= 3, "expected the deployment's steps one by one");
    }

    private static string ScreenshotPath(string name)
    {
        var directory = Path.Combine(Baton.FunctionalTests.Infrastructure.SampleImages.RepositoryRoot(), "test-results", "screenshots");
        Directory.CreateDirectory(directory);
        return Path.Combine(directory, name + ".png");
    }
}
