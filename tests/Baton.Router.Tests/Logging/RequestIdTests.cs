using Baton.Router.Forwarding;
using Microsoft.AspNetCore.Http;

namespace Baton.Router.Tests.Logging;

public sealed class RequestIdTests
{
    private static string For(params string[] values)
    {
        var headers = new HeaderDictionary();
        if (values.Length > 0) headers[RequestId.Header] = values;
        return RequestId.For(headers);
    }

    [Fact]
    public void For_NoHeader_SixteenHexDigitsEachTime()
    {
        var ids = Enumerable.Range(0, 1000).Select(_ => For()).ToList();
        Assert.All(ids, id => Assert.Matches("^[0-9a-f]{16}$", id));
        Assert.Equal(1000, ids.Distinct().Count());
        // Every digit is random: the first and the last take all sixteen values (missing one in 1000 ids: about 1e-27).
        Assert.Equal(16, ids.Select(id => id[0]).Distinct().Count());
        Assert.Equal(16, ids.Select(id => id[^1]).Distinct().Count());
    }

    [Theory]
    [InlineData("abc-123")]
    [InlineData("0f8fad5b-d9cb-469f-a165-70867728950e")]
    [InlineData("trace=1;span=2 x")]
    public void For_WellFormed_PassedAsIs(string given) => Assert.Equal(given, For(given));

    [Fact]
    public void For_AtTheLimit_PassedAsIs() => Assert.Equal(new string('a', 128), For(new string('a', 128)));

    [Theory]
    [InlineData("")]
    [InlineData("caf\u00e9")]
    [InlineData("line\nbreak")]
    [InlineData("tab\there")]
    [InlineData("\u001b[31mred")]
    public void For_NotPrintableAscii_Replaced(string given)
    {
        var id = For(given);
        Assert.NotEqual(given, id);
        Assert.Matches("^[0-9a-f]{16}$", id);
    }

    [Fact]
    public void For_TooLong_Replaced() => Assert.Matches("^[0-9a-f]{16}$", For(new string('a', 129)));

    [Fact]
    public void For_TwoValues_Replaced() => Assert.Matches("^[0-9a-f]{16}$", For("a", "b"));
}
