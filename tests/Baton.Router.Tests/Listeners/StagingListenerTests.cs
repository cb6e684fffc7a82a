using System.Net;
using Baton.Router.Listeners;

namespace Baton.Router.Tests.Listeners;

public sealed class StagingListenerTests
{
    [Theory]
    [InlineData("10.0.0.0/8", "10.20.30.40", true)]
    [InlineData("10.0.0.0/8", "11.0.0.1", false)]
    [InlineData("10.0.0.0/8", "::ffff:10.1.2.3", true)] // an IPv4 client on a dual-stack socket
    [InlineData("192.168.1.7", "192.168.1.7", true)]
    [InlineData("192.168.1.7", "192.168.1.8", false)]
    [InlineData(" 10.0.0.0/8 , fd00::/8 ", "fd12::1", true)]
    [InlineData("127.0.0.2/32", "127.0.0.1", false)]
    public void Allowlist_AllowsOnlyItsNetworks(string list, string client, bool allowed)
    {
        var allow = StagingAllowlist.TryParse(list, out var error);
        Assert.True(allow is not null, error);
        Assert.Equal(allowed, allow.Allows(IPAddress.Parse(client)));
    }

    [Theory]
    [InlineData("10.0.0.0/8,nonsense", "'nonsense' in --staging-allow is not a network: write CIDR blocks separated by commas, e.g. 10.0.0.0/8,192.168.1.7.")]
    [InlineData("10.0.0.0/33", "'10.0.0.0/33' in --staging-allow is not a network: write CIDR blocks separated by commas, e.g. 10.0.0.0/8,192.168.1.7.")]
    [InlineData(" , ", "--staging-allow names no network: give CIDR blocks separated by commas, e.g. 10.0.0.0/8.")]
    public void Allowlist_Invalid_OneSentence(string list, string expected)
    {
        Assert.Null(StagingAllowlist.TryParse(list, out var error));
        Assert.Equal(expected, error);
    }

    [Theory]
    [InlineData("127.0.0.1", true)]
    [InlineData("127.0.0.53", true)]
    [InlineData("::1", true)]
    [InlineData("10.1.1.1", false)]
    [InlineData("::ffff:127.0.0.1", true)]
    public void Loopback_ServesOnlyThisMachine(string client, bool allowed) =>
        Assert.Equal(allowed, StagingAllowlist.Loopback.Allows(IPAddress.Parse(client)));

    [Fact]
    public void Staging_NonLoopbackAddressWithoutAllowlist_Refused()
    {
        Assert.Null(RouterListener.Staging(new IPEndPoint(IPAddress.Any, 8081), ":8081", allow: null, out var error));
        Assert.Equal("The staging listener :8081 is not on a loopback address: give --staging-allow CIDR[,CIDR...] to say which clients may use it, or bind it to 127.0.0.1.", error);

        var loopback = RouterListener.Staging(new IPEndPoint(IPAddress.Loopback, 8081), "127.0.0.1:8081", allow: null, out error);
        Assert.Same(StagingAllowlist.Loopback, loopback!.Allow);
        var wide = RouterListener.Staging(new IPEndPoint(IPAddress.Any, 8081), ":8081", "10.0.0.0/8", out error);
        Assert.Equal(ListenerKind.Staging, wide!.Kind);
        Assert.Equal("10.0.0.0/8", wide.Allow!.Text);
    }
}
