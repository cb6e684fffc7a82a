using Baton.Router.Forwarding;
using Microsoft.Extensions.Primitives;

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

    [Theory]
    [InlineData("keep-alive", true)]
    [InlineData("X-A", true)]
    [InlineData("x-b", true)]
    [InlineData("X-C", false)]
    [InlineData("X", false)]
    public void ConnectionOptions_EveryOptionOfEveryLine(string header, bool expected) =>
        Assert.Equal(expected, ConnectionOptions.Of(new StringValues(["keep-alive", "X-A,  X-B ,", ""])).Names(header));

    [Fact]
    public void ConnectionOptions_NoHeader_NamesNothing()
    {
        Assert.False(ConnectionOptions.Of(StringValues.Empty).Names("Connection"));
        Assert.False(default(ConnectionOptions).Names("X-A"));
    }
}
