using Baton.Router.Forwarding;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Baton.Router.Tests.Forwarding;

public sealed class RequestTargetTests
{
    private static string? For(string rawTarget, string path = "/", string query = "")
    {
        var context = new DefaultHttpContext();
        context.Features.Get<IHttpRequestFeature>()!.RawTarget = rawTarget;
        context.Request.Path = path;
        context.Request.QueryString = new QueryString(query);
        return RequestTarget.For(context);
    }

    [Theory]
    [InlineData("/a/%2F..%2fb?x=%2F", "/a/%2F..%2fb?x=%2F")]
    [InlineData("/plain", "/plain")]
    [InlineData("/a b", "/a%20b")]
    [InlineData("/a\tb\u007f#c", "/a%09b%7F%23c")]
    // What Kestrel gives for HTTP/2's :path (Latin-1, one char per byte): each byte escaped once.
    [InlineData("/\u00c3\u00a4?q=\u00c3\u00bc", "/%C3%A4?q=%C3%BC")]
    [InlineData("/\u00f0\u009f\u0098\u0080", "/%F0%9F%98%80")]
    [InlineData("/\u00ff\u0080", "/%FF%80")]
    // Beyond one byte (never made by Baton's decoding): UTF-8.
    [InlineData("/\u0100\U0001F600", "/%C4%80%F0%9F%98%80")]
    [InlineData("/\r\n", "/%0D%0A")]
    public void For_OriginForm_RawWhereUnambiguousPercentEncodedElsewhere(string raw, string expected) =>
        Assert.Equal(expected, For(raw));

    [Fact]
    public void For_LoneSurrogate_OneReplacementCharacter() =>
        Assert.Equal("/lone%EF%BF%BDx", For("/lone" + (char)0xD800 + "x"));

    [Fact]
    public void For_AbsoluteForm_PathAndQueryOfTheParsedTarget() =>
        Assert.Equal("/abs?q=1", For("http://raw.test/abs?q=1", "/abs", "?q=1"));

    [Fact]
    public void For_AsteriskForm_Null() => Assert.Null(For("*", ""));
}
