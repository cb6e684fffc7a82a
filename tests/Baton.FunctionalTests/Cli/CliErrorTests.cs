using Baton.FunctionalTests.Infrastructure;

namespace Baton.FunctionalTests.Cli;

/// <summary>Commands about services that do not exist, and a wrong token.</summary>
public sealed class CliErrorTests : IAsyncLifetime
{
    private RouterHost _router = null!;
    private Backend _backend = null!;

    public async Task InitializeAsync()
    {
        _router = await RouterHost.StartAsync();
        _backend = await Backend.StartAsync("v1");
        await _router.DeployOkAsync("web", _backend);
    }

    public async Task DisposeAsync()
    {
        await _router.DisposeAsync();
        await _backend.DisposeAsync();
    }

    [Theory]
    [InlineData("pause", "ghost")]
    [InlineData("resume", "ghost")]
    [InlineData("maintenance", "ghost", "on")]
    [InlineData("remove", "ghost")]
    [InlineData("status", "ghost")]
    public async Task Command_UnknownService_Exit5OneSentenceNothingChanged(params string[] args)
    {
        var result = await BatonCli.RunAsync(_router, args);
        Assert.True(result.ExitCode == 5, result.ToString());
        BatonCli.AssertOneSentence(result);
        Assert.Contains("There is no service named ghost", result.Stderr);
        var status = await _router.StatusAsync();
        var web = Assert.Single(status.Services);
        Assert.False(web.Paused);
        Assert.False(web.Maintenance);
    }

    [Fact]
    public async Task Command_WrongToken_Exit3OneSentence()
    {
        var result = await BatonCli.RunAsync(new Dictionary<string, string?> { ["BATON_URL"] = _router.AdminUri.ToString(), ["BATON_TOKEN"] = "bt_wrong" }, ["pause", "web"]);
        Assert.Equal(3, result.ExitCode);
        BatonCli.AssertOneSentence(result);
        Assert.Contains("token", result.Stderr);
        Assert.False((await _router.StatusAsync("web"))!.Paused);
    }

    [Fact]
    public async Task PauseResumeMaintenance_KnownService_Exit0AndApplied()
    {
        var paused = await BatonCli.RunAsync(_router, "pause", "web", "--max", "10s");
        Assert.True(paused.ExitCode == 0, paused.ToString());
        Assert.True((await _router.StatusAsync("web"))!.Paused);
        var resumed = await BatonCli.RunAsync(_router, "resume", "web");
        Assert.Equal(0, resumed.ExitCode);
        Assert.False((await _router.StatusAsync("web"))!.Paused);

        var on = await BatonCli.RunAsync(_router, "maintenance", "web", "on", "--message", "Back soon.");
        Assert.Equal(0, on.ExitCode);
        var response = await RawHttp.SendAsync(_router.ProxyUri, "GET", "/");
        Assert.Equal(503, response.Status);
        Assert.Equal("Back soon.\n", response.Body);
        var off = await BatonCli.RunAsync(_router, "maintenance", "web", "off");
        Assert.Equal(0, off.ExitCode);
        Assert.Equal(200, (await RawHttp.SendAsync(_router.ProxyUri, "GET", "/")).Status);
    }

    [Fact]
    public async Task Pause_BadMax_Exit2OneSentenceNotPaused()
    {
        var result = await BatonCli.RunAsync(_router, "pause", "web", "--max", "soon");
        Assert.Equal(2, result.ExitCode);
        BatonCli.AssertOneSentence(result);
        Assert.False((await _router.StatusAsync("web"))!.Paused);
    }
}
