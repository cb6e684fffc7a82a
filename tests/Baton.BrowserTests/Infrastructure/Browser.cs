using Microsoft.Playwright;

namespace Baton.BrowserTests.Infrastructure;

/// <summary>
/// Debian's Chromium, headless, started once for all browser tests; each test gets its own
/// context (cookies, storage) at a laptop's size.
/// </summary>
public sealed class Browser : IAsyncLifetime
{
    public const string ExecutablePath = "/usr/bin/chromium";

    private IPlaywright? _playwright;
    private IBrowser? _browser;

    public async Task InitializeAsync()
    {
        if (!File.Exists(ExecutablePath))
            throw new InvalidOperationException($"{ExecutablePath} is missing; scripts/lib.sh require_chromium installs Debian's chromium.");
        _playwright = await Playwright.CreateAsync();
        _browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ExecutablePath,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
        });
    }

    /// <summary>A fresh page in its own context; console errors (such as CSP violations) are collected.</summary>
    public async Task<BrowserPage> OpenAsync(Uri url)
    {
        var context = await _browser!.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 1280, Height = 800 } });
        context.SetDefaultTimeout(15_000);
        var page = await context.NewPageAsync();
        var result = new BrowserPage(context, page);
        await page.GotoAsync(url.ToString());
        return result;
    }

    public async Task DisposeAsync()
    {
        if (_browser is not null) await _browser.DisposeAsync();
        _playwright?.Dispose();
    }
}

[CollectionDefinition(Name)]
public sealed class BrowserCollection : ICollectionFixture<Browser>
{
    public const string Name = "browser";
}

/// <summary>One tab of the page, and what its console said.</summary>
public sealed class BrowserPage(IBrowserContext context, IPage page) : IAsyncDisposable
{
    private readonly List<string> _errors = Watch(page);

    public IPage Page { get; } = page;

    /// <summary>
    /// Script errors so far: uncaught exceptions and console errors such as a Content-Security-Policy
    /// violation. An API call the page expects to fail (a 401 before login, a wrong password) is not one.
    /// </summary>
    public IReadOnlyList<string> Errors
    {
        get { lock (_errors) return _errors.Where(e => !e.StartsWith("Failed to load resource", StringComparison.Ordinal)).ToList(); }
    }

    private static List<string> Watch(IPage page)
    {
        var errors = new List<string>();
        page.Console += (_, m) => { if (m.Type == "error") lock (errors) errors.Add(m.Text); };
        page.PageError += (_, e) => { lock (errors) errors.Add(e); };
        return errors;
    }

    /// <summary>Saves a full-page screenshot to test-results/screenshots/NAME.png under the repository root.</summary>
    public async Task ScreenshotAsync(string name)
    {
        var directory = Path.Combine(Baton.FunctionalTests.Infrastructure.SampleImages.RepositoryRoot(), "test-results", "screenshots");
        Directory.CreateDirectory(directory);
        await Page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(directory, name + ".png"), FullPage = true });
    }

    public async ValueTask DisposeAsync() => await context.DisposeAsync();
}
