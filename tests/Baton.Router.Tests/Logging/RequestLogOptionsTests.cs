using Baton.Router.Logging;

namespace Baton.Router.Tests.Logging;

public sealed class RequestLogOptionsTests
{
    [Theory]
    [InlineData(null)]
    [InlineData("off")]
    [InlineData("OFF")]
    public void Parse_NoDestination_Off(string? destination)
    {
        Assert.Null(RequestLogOptions.Parse(destination, null, null, null, out var options));
        Assert.Null(options);
    }

    [Fact]
    public void Parse_FileWithEverything_Kept()
    {
        Assert.Null(RequestLogOptions.Parse("/var/log/baton/requests.log", "0.1", "50MB", "3", out var options));
        Assert.Equal("/var/log/baton/requests.log", options!.Destination);
        Assert.Equal(0.1, options.SampleRate);
        Assert.Equal(50L << 20, options.MaxFileBytes);
        Assert.Equal(3, options.KeepFiles);
        Assert.False(options.ToStandardOutput);
    }

    [Fact]
    public void Parse_Stdout_DefaultsEveryRequest()
    {
        Assert.Null(RequestLogOptions.Parse("stdout", null, null, null, out var options));
        Assert.True(options!.ToStandardOutput);
        Assert.Equal(1, options.SampleRate);
    }

    [Theory]
    [InlineData(null, "0.5", null, null, "--request-log-sample needs --request-log")]
    [InlineData("off", null, "10MB", null, "--request-log-max-size needs --request-log")]
    [InlineData("x.log", "0", null, null, "more than 0 and at most 1")]
    [InlineData("x.log", "1.5", null, null, "more than 0 and at most 1")]
    [InlineData("x.log", "10%", null, null, "is not a share of requests")]
    [InlineData("x.log", null, "10", null, "at least 1MB")]
    [InlineData("x.log", null, "lots", null, "is not a size")]
    [InlineData("x.log", null, null, "-1", "from 0 to 100")]
    [InlineData("x.log", null, null, "1000", "from 0 to 100")]
    [InlineData("stdout", null, "10MB", null, "standard output is not rotated")]
    [InlineData("stdout", null, null, "2", "standard output is not rotated")]
    [InlineData("/tmp/", null, null, null, "is a directory")]
    public void Parse_BadValue_OneSentence(string? destination, string? sample, string? size, string? keep, string expected)
    {
        var error = RequestLogOptions.Parse(destination, sample, size, keep, out var options);
        Assert.Null(options);
        Assert.NotNull(error);
        Assert.Contains(expected, error);
        Assert.EndsWith(".", error);
        Assert.DoesNotContain('\n', error);
    }

    [Theory]
    [InlineData("1048576", 1L << 20)]
    [InlineData("512KB", 512L << 10)]
    [InlineData("1.5GB", 3L << 29)]
    [InlineData("100m", 100L << 20)]
    public void TryParseSize_Units_PowersOf1024(string text, long bytes)
    {
        Assert.True(RequestLogOptions.TryParseSize(text, out var parsed));
        Assert.Equal(bytes, parsed);
    }
}
