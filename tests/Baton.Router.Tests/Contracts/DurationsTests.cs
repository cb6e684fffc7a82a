using Baton.Contracts;

namespace Baton.Router.Tests.Contracts;

public sealed class DurationsTests
{
    [Theory]
    [InlineData("500ms", 500)]
    [InlineData("30s", 30_000)]
    [InlineData("2m", 120_000)]
    [InlineData("1.5s", 1_500)]
    [InlineData("1h", 3_600_000)]
    [InlineData("10", 10_000)]
    public void TryParse_UserForms(string text, int ms)
    {
        Assert.True(Durations.TryParse(text, out var value));
        Assert.Equal(TimeSpan.FromMilliseconds(ms), value);
    }

    [Theory]
    [InlineData("")]
    [InlineData("fast")]
    [InlineData("-1s")]
    [InlineData("10x")]
    [InlineData("1e9h")]
    public void Parse_Invalid_NamesFieldAndShowsForms(string text)
    {
        var error = Durations.Parse(text == "" ? "  x" : text, "Drain timeout", TimeSpan.Zero, out _);
        Assert.NotNull(error);
        Assert.StartsWith("Drain timeout", error);
        Assert.Contains("30s", error);
    }

    [Fact]
    public void Parse_Empty_GivesFallback()
    {
        Assert.Null(Durations.Parse(null, "x", TimeSpan.FromSeconds(7), out var v));
        Assert.Equal(TimeSpan.FromSeconds(7), v);
    }
}
