using Baton.BrowserTests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace Baton.BrowserTests;

/// <summary>The page's live numbers follow real traffic without a reload.</summary>
[Collection(BrowserCollection.Name)]
public sealed class LiveNumbersTests(Browser browser)
{
    [Fact]
    public async Task LiveRequestRate_UnderLoad_RisesAboveZeroWithoutReload()
    {
        await using var server = await WebServer.StartAsync();
        await server.DeployAsync("v1");
        await using var tab = await browser.OpenAsync(server.AdminUri);
        var page = new Dashboard(tab.Page);
        await page.LoginAsync("admin", server.AdminPassword);
        await page.WaitLoggedInAsync("admin");
        await Expect(page.LiveTag(server.Service)).ToHaveTextAsync("v1");
        await Expect(page.Card(server.Service).Locator("[data-pool='active'] .colour")).ToHaveTextAsync("blue");
        var navigations = 0;
        tab.Page.FrameNavigated += (_, _) => navigations++;

        // An idle service first: 0 requests/s between two updates.
        await Expect(page.Card(server.Service).Locator("[data-pool='active'] [data-testid='rps']")).ToHaveAttributeAsync("data-value", "0.000", new() { Timeout = 10_000 });

        // A bounded load through the public listener: at most 30 s, stopped once the page shows it.
        using var load = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var sent = 0L;
        var failed = 0L;
        var clients = Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
        {
            using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { Timeout = TimeSpan.FromSeconds(5) };
            while (!load.IsCancellationRequested)
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(server.ProxyUri, "version"));
                request.Headers.Host = server.Host;
                try
                {
                    using var response = await http.SendAsync(request, load.Token);
                    if (response.IsSuccessStatusCode) Interlocked.Increment(ref sent);
                    else Interlocked.Increment(ref failed);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
                await Task.Delay(5, CancellationToken.None);
            }
        })).ToList();

        double shown = 0;
        try
        {
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(25);
            while (DateTime.UtcNow < deadline && (shown = await page.LiveRequestsPerSecondAsync(server.Service)) <= 0)
                await Task.Delay(250);
            await Expect(page.Card(server.Service).Locator(".spark polyline")).ToHaveCountAsync(1);
            await tab.ScreenshotAsync("dashboard-under-load");
        }
        finally
        {
            await load.CancelAsync();
            await Task.WhenAll(clients);
        }

        Assert.True(shown > 0, $"the page still showed 0 req/s after {sent} requests");
        Assert.True(sent > 0 && failed == 0, $"{sent} requests answered, {failed} failed");
        Assert.Equal(0, navigations);
        Assert.Contains("req/s", await page.Card(server.Service).Locator("[data-pool='active'] .pool-numbers").TextContentAsync());
        Assert.Empty(tab.Errors);
    }
}
