using System.Globalization;
using Baton.BrowserTests.Infrastructure;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Baton.BrowserTests;

/// <summary>The selected service's traffic chart follows real traffic, and marks the switch of a deploy where it happened.</summary>
[Collection(BrowserCollection.Name)]
public sealed class TrafficChartTests(Browser browser)
{
    private const string BlueRps = "#traffic svg[data-metric='rps'] polyline[data-colour='blue']";
    private const string GreenRps = "#traffic svg[data-metric='rps'] polyline[data-colour='green']";

    [Fact]
    public async Task TrafficChart_UnderLoad_PlottedPointsMoveWithoutReload()
    {
        await using var server = await WebServer.StartAsync();
        await server.DeployAsync("v1");
        await using var tab = await browser.OpenAsync(server.AdminUri);
        var page = new Dashboard(tab.Page);
        await page.LoginAsync("admin", server.AdminPassword);
        await page.WaitLoggedInAsync("admin");
        await page.OpenServiceAsync(server.Service);
        await Expect(tab.Page.Locator("#traffic")).ToBeVisibleAsync();
        var navigations = 0;
        tab.Page.FrameNavigated += (_, _) => navigations++;

        await using var load = new LoadLoop(server, TimeSpan.FromSeconds(45));
        // A step with traffic is plotted: the blue line's last point is above 0 requests/s.
        var first = await WaitForAsync(tab.Page, BlueRps, l => l.Last > 0, TimeSpan.FromSeconds(25));
        // And the chart moves on by itself: a later point arrives, still above 0.
        var later = await WaitForAsync(tab.Page, BlueRps, l => l.LastAt > first.LastAt, TimeSpan.FromSeconds(20));
        await tab.ScreenshotAsync("traffic-under-load");
        await load.StopAsync();

        Assert.True(later.Last > 0, $"the last plotted point is {later.Last} req/s under load");
        Assert.True(later.Count > first.Count, $"{first.Count} points, then {later.Count}");
        // Points are whole 5 s steps apart.
        var steps = (later.LastAt - first.LastAt).TotalSeconds / 5;
        Assert.True(steps >= 0.95 && Math.Abs(steps - Math.Round(steps)) < 0.05, $"the last points are {steps * 5} s apart");
        Assert.True(load.Answered > 0 && load.Failed == 0, $"{load.Answered} requests answered, {load.Failed} failed");
        Assert.Equal(0, navigations);
        // The error rate and p95 charts plot the same steps.
        Assert.True((await ReadLineAsync(tab.Page, "#traffic svg[data-metric='p95'] polyline[data-colour='blue']")).Count > 0);
        Assert.Equal(0, (await ReadLineAsync(tab.Page, "#traffic svg[data-metric='errors'] polyline[data-colour='blue']")).Last);
        Assert.Empty(tab.Errors);
    }

    [Fact]
    public async Task TrafficChart_DeployV1ToV2UnderLoad_SwitchMarkerAppearsAtTheSwitch()
    {
        await using var server = await WebServer.StartAsync();
        await server.DeployAsync("v1");
        await using var tab = await browser.OpenAsync(server.AdminUri);
        var page = new Dashboard(tab.Page);
        await page.LoginAsync("admin", server.AdminPassword);
        await page.WaitLoggedInAsync("admin");
        await page.OpenServiceAsync(server.Service);

        await using var load = new LoadLoop(server, TimeSpan.FromSeconds(50));
        await WaitForAsync(tab.Page, BlueRps, l => l.Last > 0, TimeSpan.FromSeconds(25));
        // v1's own switch is marked already; v2's comes after it.
        var switches = tab.Page.Locator("#traffic svg[data-metric='rps'] g.marker.switch");
        await Expect(switches).ToHaveCountAsync(1);

        var before = DateTimeOffset.UtcNow;
        await server.DeployAsync("v2");
        var after = DateTimeOffset.UtcNow;

        await Expect(switches).ToHaveCountAsync(2, new() { Timeout = 15_000 });
        // Read in one go, so that no refresh of the chart comes between: the marker's time, its x, and the chart's span.
        var drawn = await tab.Page.EvaluateAsync<string[]>(""""
            () => {
              const chart = document.getElementById('traffic');
              const marker = [...chart.querySelectorAll("svg[data-metric='rps'] g.marker.switch")].pop();
              return [marker.dataset.at, marker.querySelector('line').getAttribute('x1'), chart.dataset.from, chart.dataset.to];
            }
            """");
        var at = DateTimeOffset.Parse(drawn[0], CultureInfo.InvariantCulture);
        Assert.InRange(at, before, after);
        // Drawn where that moment lies on the chart's 15 minutes.
        var x = double.Parse(drawn[1], CultureInfo.InvariantCulture);
        var from = DateTimeOffset.Parse(drawn[2], CultureInfo.InvariantCulture);
        var to = DateTimeOffset.Parse(drawn[3], CultureInfo.InvariantCulture);
        Assert.Equal((at - from) / (to - from) * 720, x, 0.5);
        await Expect(switches.Last).ToContainTextAsync("switched to green");
        Assert.True(await tab.Page.Locator("#traffic svg[data-metric='rps'] g.marker.deploy").CountAsync() >= 2, "a deploy marker each for v1 and v2");

        // After the switch the load lands on green: its line rises in the steps after the marker
        // (before it, green had only its smoke check, through the staging listener).
        var green = await WaitForAsync(tab.Page, GreenRps, l => l.LastAt > at && l.Last > 0, TimeSpan.FromSeconds(20));
        Assert.True(green.Last >= 1, $"green's step after the switch plotted {green.Last} req/s under load");
        // The watch after the switch is drawn as judged: the new release's error rate against the old one's, both 0, passed.
        var watch = tab.Page.Locator("#traffic svg[data-metric='errors'] g.judgement[data-kind='watch']");
        await Expect(watch).ToHaveAttributeAsync("data-outcome", "ok");
        await Expect(watch.Locator("line.judged.candidate")).ToHaveAttributeAsync("data-value", "0");
        await Expect(watch.Locator("line.judged.live")).ToHaveAttributeAsync("data-value", "0");
        await Expect(watch.Locator("text.decision")).ToHaveTextAsync("✓");
        await tab.ScreenshotAsync("traffic-switch-marker");
        await load.StopAsync();
        Assert.True(load.Answered > 0 && load.Failed == 0, $"{load.Answered} requests answered, {load.Failed} failed");
        Assert.Empty(tab.Errors);
    }

    private sealed record Line(int Count, double Last, DateTimeOffset LastAt);

    /// <summary>
    /// A chart line as the page plotted it: its point count, last value and that point's time (its
    /// data- attributes), read in one go since each refresh draws the line anew.
    /// </summary>
    private static async Task<Line> ReadLineAsync(IPage page, string selector)
    {
        var read = await page.EvaluateAsync<string[]?>(""""
            (selector) => {
              const line = document.querySelector(selector);
              return line ? [line.dataset.count, line.dataset.last, line.dataset.lastAt] : null;
            }
            """", selector);
        if (read is null) return new Line(0, 0, DateTimeOffset.MinValue);
        return new Line(int.Parse(read[0], CultureInfo.InvariantCulture),
            string.IsNullOrEmpty(read[1]) ? 0 : double.Parse(read[1], CultureInfo.InvariantCulture),
            string.IsNullOrEmpty(read[2]) ? DateTimeOffset.MinValue : DateTimeOffset.Parse(read[2], CultureInfo.InvariantCulture));
    }

    private static async Task<Line> WaitForAsync(IPage page, string selector, Func<Line, bool> done, TimeSpan limit)
    {
        var deadline = DateTime.UtcNow + limit;
        var line = await ReadLineAsync(page, selector);
        while (!done(line) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(250);
            line = await ReadLineAsync(page, selector);
        }
        Assert.True(done(line), $"{selector} did not get there in {limit.TotalSeconds} s: {line}");
        return line;
    }
}
