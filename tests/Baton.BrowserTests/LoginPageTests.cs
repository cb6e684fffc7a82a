using Baton.BrowserTests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace Baton.BrowserTests;

/// <summary>Logging in and out, and what each role may see.</summary>
[Collection(BrowserCollection.Name)]
public sealed class LoginPageTests(Browser browser)
{
    [Fact]
    public async Task Login_WrongPasswordShowsTheSentence_AdminPasswordOpensTheDashboard_LogoutEndsIt()
    {
        await using var server = await WebServer.StartAsync();
        await server.DeployAsync("v1");
        await using var tab = await browser.OpenAsync(server.AdminUri);
        var page = new Dashboard(tab.Page);
        await Expect(tab.Page.Locator("#login-form")).ToBeVisibleAsync();
        await Expect(tab.Page.Locator("#dashboard")).ToBeHiddenAsync();

        await page.LoginAsync("admin", "not-the-password");
        await Expect(page.LoginError).ToBeVisibleAsync();
        var sentence = await page.LoginError.TextContentAsync();
        Assert.Matches(@"^[A-Z].*\.$", sentence);
        await Expect(tab.Page.Locator("#dashboard")).ToBeHiddenAsync();
        await tab.ScreenshotAsync("login");

        await page.LoginAsync("admin", server.AdminPassword);
        await page.WaitLoggedInAsync("admin");
        await Expect(tab.Page.Locator("#who-role")).ToHaveTextAsync("admin");
        await Expect(page.LiveTag(server.Service)).ToHaveTextAsync("v1");
        await Expect(page.DeployButton).ToBeVisibleAsync();

        // The session is a cookie the page's script cannot read.
        var cookie = Assert.Single(await tab.Page.Context.CookiesAsync(), c => c.Name == "baton_session");
        Assert.True(cookie.HttpOnly);
        Assert.Equal("", await tab.Page.EvaluateAsync<string>("document.cookie"));

        await tab.Page.Locator("#logout").ClickAsync();
        await Expect(tab.Page.Locator("#login-form")).ToBeVisibleAsync();
        await tab.Page.ReloadAsync();
        await Expect(tab.Page.Locator("#login-form")).ToBeVisibleAsync();
        await Expect(tab.Page.Locator("#dashboard")).ToBeHiddenAsync();
        Assert.Empty(tab.Errors);
    }

    [Fact]
    public async Task Login_RepeatedWrongPasswords_ShowsTheServersWaitSentence()
    {
        await using var server = await WebServer.StartAsync();
        await using var tab = await browser.OpenAsync(server.AdminUri);
        var page = new Dashboard(tab.Page);
        string? wrong = null;
        for (int i = 0; i < 10; i++)
        {
            await page.LoginAsync("admin", $"wrong-{i}");
            await Expect(page.LoginError).ToBeVisibleAsync();
            await Expect(tab.Page.Locator("#login-submit")).ToBeEnabledAsync();
            var text = await page.LoginError.TextContentAsync();
            wrong ??= text;
            if (text != wrong) break;
        }
        // After a few failures the server answers 429; the page shows its sentence, with the wait.
        await Expect(page.LoginError).ToContainTextAsync("try again in");
        await page.LoginAsync("admin", server.AdminPassword);
        await Expect(page.LoginError).ToContainTextAsync("try again in");
        await Expect(tab.Page.Locator("#dashboard")).ToBeHiddenAsync();
    }

    [Fact]
    public async Task Viewer_SeesServicesAndHistory_NoDeployFormNoActions()
    {
        await using var server = await WebServer.StartAsync();
        await server.DeployAsync("v1");
        await server.AddUserAsync("vera", "viewer", "vera-password-1234");
        await using var tab = await browser.OpenAsync(server.AdminUri);
        var page = new Dashboard(tab.Page);

        await page.LoginAsync("vera", "vera-password-1234");
        await page.WaitLoggedInAsync("vera");
        await Expect(tab.Page.Locator("#who-role")).ToHaveTextAsync("viewer");
        await page.OpenServiceAsync(server.Service);
        await Expect(page.LiveTag(server.Service)).ToHaveTextAsync("v1");
        await Expect(tab.Page.Locator("#history-rows tr")).ToHaveCountAsync(1);
        await Expect(tab.Page.Locator("#read-only-note")).ToBeVisibleAsync();
        await Expect(page.DeployButton).ToHaveCountAsync(0);
        await Expect(tab.Page.Locator("#actions")).ToHaveCountAsync(0);
        await Expect(tab.Page.Locator("button", new() { HasText = "Roll back" })).ToHaveCountAsync(0);
        await tab.ScreenshotAsync("viewer");
        Assert.Empty(tab.Errors);
    }
}
