using Baton.Router.Forwarding;

namespace Baton.Router.Tests.Forwarding;

public sealed class HeaderRulesTests
{
    [Theory]
    [InlineData("X-Custom", "X-Custom", true)]
    [InlineData("keep-alive, X-Custom", "x-custom", true)]
    [InlineData(" X-A ,X-Custom ", "X-Custom", true)]
    [InlineData("X-Customer", "X-Custom", false)]
    [InlineData("close", "X-Custom", false)]
    [InlineData("", "X-Custom", false)]
    public void NamedByConnection_Options_MatchWholeTokensIgnoringCase(string connection, string header, bool expected) =>
        Assert.Equal(expected, HeaderRules.NamedByConnection(connection, header));
}
