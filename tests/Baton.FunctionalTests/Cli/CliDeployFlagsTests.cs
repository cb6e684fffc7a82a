using Baton.FunctionalTests.Deploy;
using Baton.FunctionalTests.Infrastructure;

namespace Baton.FunctionalTests.Cli;

/// <summary>
/// Every deploy flag applies or is refused (exit 2, one sentence naming the baton.yml field, nothing
/// recorded), image references are checked first, and the messages say what is true: against a
/// real server, CLI and Docker engine.
/// </summary>
public sealed class CliDeployFlagsTests
{
    [Theory]
    [InlineData("--deploy-timeout", "5s", "deploy_timeout")]
    [InlineData("--drain-timeout", "5s", "drain_timeout")]
    [InlineData("--health-path", "/up", "health.path")]
    [InlineData("--health-passes", "3", "health.passes")]
    [InlineData("--host", "other.localhost", "hosts")]
    [InlineData("--path", "/api", "path")]
    public async Task DeployImage_TargetOnlyFlag_Exit2NamesTheFieldNothingRecorded(string flag, string value, string field)
    {
        await using var app = await BlueGreenApp.StartAsync();

        var result = await app.DeployAsync("v1", flag, value);

        Assert.True(result.ExitCode == 2, result.ToString());
        BatonCli.AssertOneSentence(result);
        Assert.Contains(flag, result.Stderr);
        Assert.Contains(field, result.Stderr);
        Assert.Contains("baton.yml", result.Stderr);
        Assert.Empty((await app.HistoryAsync()).Deployments);
        Assert.Empty(await app.ContainersAsync());
    }

    [Theory]
    [InlineData("--hold")]
    [InlineData("--strategy", "canary", "--steps", "10,100")]
    [InlineData("--watch", "5s")]
    public async Task DeployTarget_ImageOnlyFlag_Exit2NothingSwitched(params string[] flags)
    {
        await using var backend = await Backend.StartAsync("v1");
        await using var router = await RouterHost.StartAsync();

        var result = await BatonCli.RunAsync(router, ["deploy", "web", "--target", backend.Address, .. flags]);

        Assert.True(result.ExitCode == 2, result.ToString());
        BatonCli.AssertOneSentence(result);
        Assert.Contains(flags[0], result.Stderr);
        Assert.Empty((await router.StatusAsync()).Services);
    }

    [Theory]
    [InlineData("127.0.0.1:5000/baton-sample:v1;id")]
    [InlineData("127.0.0.1:5000/Baton-Sample:v1")]
    [InlineData("127.0.0.1:5000/baton-sample:v1 --rm")]
    public async Task Deploy_BadImageReference_Exit2NothingRecorded(string image)
    {
        await using var app = await BlueGreenApp.StartAsync();

        var result = await app.CliAsync("deploy", app.Name, "--image", image);

        Assert.True(result.ExitCode == 2, result.ToString());
        BatonCli.AssertOneSentence(result);
        Assert.Contains("is not REPOSITORY:TAG", result.Stderr);
        Assert.Empty((await app.HistoryAsync()).Deployments);
    }

    [Fact]
    public async Task Deploy_ImageOfAnotherRepository_RefusedUnlessAskedFor()
    {
        await using var app = await BlueGreenApp.StartAsync();
        // The same image under another name: a tag of another repository.
        var other = "127.0.0.1:5000/baton-other:v1";
        var tagged = await SampleImages.RunAsync("docker", ["tag", SampleImages.Image("v1"), other], TimeSpan.FromSeconds(30));
        Assert.True(tagged.ExitCode == 0, tagged.ToString());
        try
        {
            var refused = await app.CliAsync("deploy", app.Name, "--image", other);
            Assert.True(refused.ExitCode == 2, refused.ToString());
            Assert.Contains("--other-repository", refused.Stderr);
            Assert.Empty((await app.HistoryAsync()).Deployments);

            var asked = await app.CliAsync("deploy", app.Name, "--image", other, "--other-repository", "--watch", "0s");
            Assert.True(asked.ExitCode == 0, asked.ToString());
            Assert.Equal("v1", await app.LiveVersionAsync());
        }
        finally
        {
            await SampleImages.RunAsync("docker", ["rmi", other], TimeSpan.FromSeconds(30));
        }
    }

    [Theory]
    [InlineData("health:\n  interval: 0s", "health.interval")]
    [InlineData("deploy_timeout: 0s", "deploy_timeout")]
    [InlineData("watch: 2h", "watch")]
    [InlineData("target:\n  mode: host\n  port: 8080", "target.port")]
    public async Task Apply_FieldThatCannotWork_Exit2NamesIt(string yaml, string field)
    {
        await using var app = await BlueGreenApp.StartAsync();
        var file = $"""
            service: {app.Name}
            image: {SampleImages.Repository}
            {yaml}
            """;

        var result = await app.ApplyAsync(file);

        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Contains(field, result.Stderr);
    }

    [Fact]
    public async Task FirstDeploy_ReleaseIsR1_NeverDeployedStatusSaysSo()
    {
        await using var app = await BlueGreenApp.StartAsync();

        var status = await app.CliAsync("status", app.Name);
        Assert.Contains("never deployed", status.Stderr + status.Stdout);
        Assert.DoesNotContain("There is no service", status.Stderr);

        await app.DeployOkAsync("v1", "--watch", "0s");
        Assert.Equal("r1", (await app.LatestAsync()).Release);
        await app.DeployOkAsync("v2", "--watch", "0s");
        Assert.Equal("r2", (await app.LatestAsync()).Release);
    }

    [Fact]
    public async Task FirstDeployFails_NoLiveRelease_MessageDoesNotClaimOne()
    {
        await using var app = await BlueGreenApp.StartAsync("env:\n  UNHEALTHY: \"1\"");
        await app.ApplyOkAsync(app.Yaml("env:\n  UNHEALTHY: \"1\"", deployTimeout: "3s"));

        var result = await app.DeployAsync("v1");

        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.Contains("never became healthy", result.Stderr);
        Assert.DoesNotContain("live release", result.Stderr);
    }

    [Fact]
    public async Task DeployTarget_InTheHistory_RollbackSaysInOneSentenceWhyNot()
    {
        await using var backend = await Backend.StartAsync("v1");
        await using var router = await RouterHost.StartAsync();
        var deployed = await BatonCli.RunAsync(router, ["deploy", "web", "--target", backend.Address, "--health-interval", "100ms", "--health-passes", "1"]);
        Assert.True(deployed.ExitCode == 0, deployed.ToString());

        var history = await BatonCli.RunAsync(router, "history", "web");
        Assert.True(history.ExitCode == 0, history.ToString());
        Assert.Contains("succeeded", history.Stdout);
        Assert.Contains(backend.Address, history.Stdout);

        var rollback = await BatonCli.RunAsync(router, "rollback", "web");
        Assert.True(rollback.ExitCode != 0, rollback.ToString());
        BatonCli.AssertOneSentence(rollback);
        Assert.Contains("--target", rollback.Stderr);
        Assert.DoesNotContain("There is no service", rollback.Stderr);
    }

    [Fact]
    public async Task NetworkThatDoesNotExist_RefusedAtApplyAndAtDeploy()
    {
        await using var app = await BlueGreenApp.StartAsync();
        var network = "baton-ft-net-" + Guid.NewGuid().ToString("N")[..8];
        var yaml = app.Yaml($"target:\n  mode: network\n  network: {network}\n  port: 8080");

        var refused = await app.ApplyAsync(yaml);
        Assert.True(refused.ExitCode == 2, refused.ToString());
        Assert.Contains($"target.network: There is no Docker network named {network}", refused.Stderr);
        Assert.Contains("nothing was applied", refused.Stderr);

        // Applied while the network exists, then removed before the deploy: the deploy says so before starting anything.
        var created = await SampleImages.RunAsync("docker", ["network", "create", "--subnet", "10.200.251.0/24", network], TimeSpan.FromSeconds(30));
        Assert.True(created.ExitCode == 0, created.ToString());
        try
        {
            await app.ApplyOkAsync(yaml);
        }
        finally
        {
            var removed = await SampleImages.RunAsync("docker", ["network", "rm", network], TimeSpan.FromSeconds(30));
            Assert.True(removed.ExitCode == 0, removed.ToString());
        }
        var deploy = await app.DeployAsync("v1");
        Assert.True(deploy.ExitCode == 1, deploy.ToString());
        Assert.Contains($"There is no Docker network named {network}", deploy.Stderr);
        Assert.DoesNotContain("image was not found", deploy.Stderr);
        Assert.Empty(await app.ContainersAsync());
    }
}
