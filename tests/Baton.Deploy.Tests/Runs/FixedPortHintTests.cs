using Baton.Deploy;
using Baton.Deploy.Runs;
using Baton.Deploy.ServiceFile;

namespace Baton.Deploy.Tests.Runs;

/// <summary>A host-mode release that never answers, from an image that declares a fixed port, is told what to change.</summary>
public sealed class FixedPortHintTests
{
    private static Run RunOf(string yaml, int givenPort, params int[] exposed) => new()
    {
        Id = 1,
        Def = ServiceFileParser.Parse(yaml).Definition!,
        Release = "r1",
        Color = "blue",
        Image = "sample:v1",
        Web = [new ReleaseContainer("c1", "web-blue-r1-1", "r1", "web", "blue", $"127.0.0.1:{givenPort}", true, DateTimeOffset.UtcNow)],
        ExposedPorts = exposed,
    };

    [Fact]
    public void HostMode_RefusedAndImageExposesAnotherPort_SaysToListenOnThePortVariableOrUseTheDefaultMode()
    {
        var hint = StepRunner.FixedPortHint(RunOf("service: web\nimage: sample\ntarget:\n  mode: host\n  port_env: APP_PORT\n", 21000, 8000), "127.0.0.1:21000: connection refused");
        Assert.Equal(" The image declares port 8000 (EXPOSE) but host mode gives the app its port in $APP_PORT, and nothing listened there: make the app listen on $APP_PORT, or use the default target mode (remove target.mode: host; the app keeps its port 8000).", hint);
    }

    [Theory]
    [InlineData(new int[0], "127.0.0.1:21000: connection refused")]          // no EXPOSE: nothing to say
    [InlineData(new[] { 21000 }, "127.0.0.1:21000: connection refused")]      // it declares the port it was given
    [InlineData(new[] { 8000 }, "127.0.0.1:21000: 500 in 3 ms")]              // it answers: the port is right
    public void NoHint_WhenThePortIsNotTheProblem(int[] exposed, string answers) =>
        Assert.Equal("", StepRunner.FixedPortHint(RunOf("service: web\nimage: sample\ntarget:\n  mode: host\n", 21000, exposed), answers));

    [Fact]
    public void PublishMode_NoHint() =>
        Assert.Equal("", StepRunner.FixedPortHint(RunOf("service: web\nimage: sample\ntarget:\n  network: n\n  port: 8080\n", 21000, 8000), "127.0.0.1:21000: connection refused"));
}

/// <summary>A failed smoke check says who answered: the first line of the body.</summary>
public sealed class SmokeAnswerExcerptTests
{
    [Theory]
    [InlineData("No service is routed for blue.shop.localhost/version.\n", " (\"No service is routed for blue.shop.localhost/version.\")")]
    [InlineData("", "")]
    [InlineData("\n", "")]
    public void Excerpt_FirstLine(string body, string expected) => Assert.Equal(expected, StepRunner.Excerpt(body));

    [Fact]
    public void Excerpt_LongLine_Cut() => Assert.Equal($" (\"{new string('a', 120)}…\")", StepRunner.Excerpt(new string('a', 500)));
}
