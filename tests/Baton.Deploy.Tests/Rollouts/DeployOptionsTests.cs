using Baton.Contracts;
using Baton.Deploy.Rollouts;

namespace Baton.Deploy.Tests.Rollouts;

public sealed class DeployOptionsTests
{
    [Fact]
    public void Defaults_BlueGreen()
    {
        var o = DeployOptions.TryCreate(new DeployRequest { Image = "a:b" }, out _);
        Assert.Equal(Strategy.BlueGreen, o!.Strategy);
    }

    [Fact]
    public void Canary_WithStepsAndTime()
    {
        var o = DeployOptions.TryCreate(new DeployRequest { Strategy = "Canary", Steps = [10, 100], StepTime = "30s" }, out var error);
        Assert.True(o is not null, error);
        Assert.Equal(Strategy.Canary, o.Strategy);
        Assert.Equal([10, 100], o.Steps);
        Assert.Equal(TimeSpan.FromSeconds(30), o.StepTime);
    }

    [Theory]
    [InlineData("sideways", null, null, null, false, "Unknown strategy 'sideways'")]
    [InlineData("canary", "50,20,100", null, null, false, "must rise")]
    [InlineData("canary", "5,25", null, null, false, "last step must be 100")]
    [InlineData("blue-green", "5,100", null, null, false, "Steps are for --strategy canary")]
    [InlineData("canary", null, "0s", null, false, "from 1s to 24h")]
    [InlineData("canary", null, null, 2, false, "for --strategy rolling")]
    [InlineData("rolling", null, null, -1, false, "from 0 to 64")]
    [InlineData("canary", null, null, null, true, "--hold is for blue-green")]
    public void BadOptions_OneSentence(string strategy, string? steps, string? stepTime, int? surge, bool hold, string expected)
    {
        var request = new DeployRequest
        {
            Strategy = strategy,
            Steps = steps?.Split(',').Select(int.Parse).ToList(),
            StepTime = stepTime,
            MaxSurge = surge,
            Hold = hold,
        };
        Assert.Null(DeployOptions.TryCreate(request, out var error));
        Assert.Contains(expected, error);
        Assert.EndsWith(".", error);
    }
}

public sealed class DeployOptionsScopeTests
{
    [Theory]
    [InlineData("deploy_timeout")]
    [InlineData("drain_timeout")]
    [InlineData("health.path")]
    [InlineData("hosts")]
    [InlineData("path")]
    public void Image_WithATargetOnlyFlag_RefusedNamingTheField(string field)
    {
        var request = field switch
        {
            "deploy_timeout" => new DeployRequest { Image = "a:b", DeployTimeout = "5s" },
            "drain_timeout" => new DeployRequest { Image = "a:b", DrainTimeout = "5s" },
            "health.path" => new DeployRequest { Image = "a:b", Health = new HealthCheckSpec { Path = "/up" } },
            "hosts" => new DeployRequest { Image = "a:b", Hosts = ["x.localhost"] },
            _ => new DeployRequest { Image = "a:b", Path = "/api" },
        };
        Assert.Null(DeployOptions.TryCreate(request, out var error));
        Assert.Contains(field, error);
        Assert.Contains("baton.yml", error);
    }

    [Fact]
    public void Targets_WithAnImageOnlyFlag_Refused()
    {
        Assert.Null(DeployOptions.TryCreate(new DeployRequest { Targets = ["127.0.0.1:1"], Hold = true }, out var error));
        Assert.Contains("--hold", error);
        Assert.Null(DeployOptions.TryCreate(new DeployRequest { Targets = ["127.0.0.1:1"], Watch = "5s" }, out error));
        Assert.Contains("--watch", error);
    }

    [Theory]
    [InlineData("0s", 0)]
    [InlineData("45s", 45)]
    public void Watch_Parsed(string text, int seconds)
    {
        var o = DeployOptions.TryCreate(new DeployRequest { Image = "a:b", Watch = text }, out var error);
        Assert.True(o is not null, error);
        Assert.Equal(TimeSpan.FromSeconds(seconds), o.Watch);
    }

    [Theory]
    [InlineData("soon", false, null)]
    [InlineData("2h", false, null)]
    [InlineData("10s", true, null)]
    [InlineData("10s", false, "rolling")]
    public void Watch_Refused(string text, bool hold, string? strategy)
    {
        Assert.Null(DeployOptions.TryCreate(new DeployRequest { Image = "a:b", Watch = text, Hold = hold, Strategy = strategy }, out var error));
        Assert.Contains("atch", error);
    }
}

public sealed class ImageReferenceTests
{
    [Theory]
    [InlineData("127.0.0.1:5000/shop:v2")]
    [InlineData("registry.example.com/team/shop_app:1.2.3-rc1")]
    [InlineData("shop:latest")]
    [InlineData("127.0.0.1:5000/shop@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef")]
    public void Valid(string image) => Assert.True(ImageReference.IsValid(image, out var error), error);

    [Theory]
    [InlineData("127.0.0.1:5000/shop:v1;id")]
    [InlineData("127.0.0.1:5000/Shop:v1")]
    [InlineData("shop:v1 --rm")]
    [InlineData("shop:")]
    [InlineData(":v1")]
    [InlineData("shop:v1$(reboot)")]
    public void Invalid_OneSentence(string image)
    {
        Assert.False(ImageReference.IsValid(image, out var error));
        Assert.Contains("is not REPOSITORY:TAG", error);
    }
}
