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
