using System.Text;
using Baton.Router.Forwarding;

namespace Baton.Router.Tests.Forwarding;

public sealed class RequestHeaderDecodingTests
{
    [Theory]
    [InlineData("keep-alive", "keep-alive")]
    [InlineData("close", "close")]
    [InlineData("Upgrade", "Upgrade")]
    [InlineData("X-Secret", "X-Secret, close, keep-alive")]
    [InlineData("close, upgrade", "close, upgrade")]
    [InlineData("keep-alive, X-Secret", "keep-alive, X-Secret, close")]
    [InlineData("Keep-Alive,X-A, keep-alive , X-B", "Keep-Alive,X-A, keep-alive , X-B, close")]
    [InlineData("keep-alive, close, X-Secret", "keep-alive, close, X-Secret")]
    [InlineData("close, X-Secret", "close, X-Secret, keep-alive")]
    [InlineData("upgrade, X-Secret", "upgrade, X-Secret, keep-alive")]
    public void GuardConnection_KeepsEveryNamedHeader_NeverOneKnownOptionBesideOthers(string value, string expected) =>
        Assert.Equal(expected, RequestHeaderDecoding.GuardConnection(value));

    [Fact]
    public void Select_PathAndValuesBytePerChar_OtherPseudoHeadersKestrels()
    {
        Assert.Same(Encoding.Latin1, RequestHeaderDecoding.Select(":path"));
        Assert.Null(RequestHeaderDecoding.Select(":authority"));
        var bytes = Encoding.UTF8.GetBytes("name=Jürgen");
        Assert.Equal(Encoding.Latin1.GetString(bytes), RequestHeaderDecoding.Select("Cookie")!.GetString(bytes));
        Assert.Equal("keep-alive, X-A, close", RequestHeaderDecoding.Select("Connection")!.GetString("keep-alive, X-A"u8));
    }

    [Theory]
    [InlineData(new byte[] { (byte)'a', 1, (byte)'b' })]
    [InlineData(new byte[] { (byte)'a', 0 })]
    [InlineData(new byte[] { 0x7F })]
    [InlineData(new byte[] { (byte)'a', 0x1B, (byte)'[' })]
    public void Select_ControlCharacter_Refused(byte[] value) =>
        Assert.Throws<DecoderFallbackException>(() => RequestHeaderDecoding.Select("X-Ctl")!.GetString(value));

    [Fact]
    public void Select_TabAllowed() => Assert.Equal("a\tb", RequestHeaderDecoding.Select("X-Tab")!.GetString("a\tb"u8));
}
