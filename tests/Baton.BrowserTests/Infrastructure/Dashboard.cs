using System.Globalization;
using Microsoft.Playwright;

namespace Baton.BrowserTests.Infrastructure;

/// <summary>What a person does on the page, in the page's own words (labels, buttons, texts).</summary>
public sealed class Dashboard(IPage page)
{
    public IPage Page => page;

    public async Task LoginAsync(string user, string password)
    {
        await page.Locator("#login-user").FillAsync(user);
        await page.Locator("#login-password").FillAsync(password);
        await page.Locator("#login-submit").ClickAsync();
    }

    public async Task LoginWithTokenAsync(string token)
    {
        await page.Locator(".token-login summary").ClickAsync();
        await page.Locator("#login-token").FillAsync(token);
        await page.Locator("#token-submit").ClickAsync();
    }

    public ILocator LoginError => page.Locator("#login-error");
    public ILocator Card(string service) => page.Locator($".service-card[data-service='{service}']");
    public ILocator LiveTag(string service) => Card(service).Locator("[data-pool='active'] [data-testid='active-tag']");
    public ILocator ProgressState => page.Locator("#progress-state");
    public ILocator ProgressSteps => page.Locator("#progress-steps li");
    public ILocator DeployButton => page.Locator("#deploy-button");

    /// <summary>Waits until the dashboard shows the user's name.</summary>
    public Task WaitLoggedInAsync(string user) => Assertions.Expect(page.Locator("#who-user")).ToHaveTextAsync(user);

    public async Task OpenServiceAsync(string service)
    {
        await Card(service).ClickAsync();
        await Assertions.Expect(page.Locator("#detail-name")).ToHaveTextAsync(service);
    }

    /// <summary>The requests/s the card shows for the live pool, as a number.</summary>
    public async Task<double> LiveRequestsPerSecondAsync(string service)
    {
        var value = await Card(service).Locator("[data-pool='active'] [data-testid='rps']").GetAttributeAsync("data-value", new() { Timeout = 5_000 });
        return double.Parse(value ?? "0", CultureInfo.InvariantCulture);
    }

    /// <summary>Clicks a destructive action and confirms it in the page's dialog.</summary>
    public async Task ConfirmAsync(string buttonSelector)
    {
        await page.Locator(buttonSelector).ClickAsync();
        await Assertions.Expect(page.Locator("#confirm")).ToBeVisibleAsync();
        await page.Locator("#confirm-ok").ClickAsync();
    }
}
