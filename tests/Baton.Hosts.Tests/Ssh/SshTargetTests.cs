using Baton.Hosts.Ssh;

namespace Baton.Hosts.Tests.Ssh;

public sealed class SshTargetTests
{
    [Theory]
    [InlineData("deploy@10.200.0.2", "deploy", "10.200.0.2", 22)]
    [InlineData("deploy@10.200.0.2:2222", "deploy", "10.200.0.2", 2222)]
    [InlineData("_svc.baton-1@app1.example.com", "_svc.baton-1", "app1.example.com", 22)]
    [InlineData("deploy@[fd00::2]", "deploy", "fd00::2", 22)]
    [InlineData("deploy@[fd00::2]:2200", "deploy", "fd00::2", 2200)]
    public void TryParse_GoodTargets(string text, string user, string address, int port)
    {
        Assert.True(SshTarget.TryParse(text, out var target, out var error), error);
        Assert.Equal(new SshTarget(user, address, port), target);
    }

    [Theory]
    [InlineData("", "The SSH target is empty")]
    [InlineData("10.200.0.2", "needs exactly one user name before an @")]
    [InlineData("a@b@10.200.0.2", "needs exactly one user name before an @")]
    [InlineData("Deploy@10.200.0.2", "is not a user name")]
    [InlineData("de ploy@10.200.0.2", "is not a user name")]
    [InlineData("deploy@", "is neither an IPv4 address nor a host name")]
    [InlineData("deploy@10.200.0", "is neither an IPv4 address nor a host name")]
    [InlineData("deploy@10.200.0.256", "is neither an IPv4 address nor a host name")]
    [InlineData("deploy@host_name", "is neither an IPv4 address nor a host name")]
    [InlineData("deploy@-bad.example", "is neither an IPv4 address nor a host name")]
    [InlineData("deploy@10.200.0.2:0", "is not a port")]
    [InlineData("deploy@10.200.0.2:65536", "is not a port")]
    [InlineData("deploy@10.200.0.2:22x", "is not a port")]
    [InlineData("deploy@10.200.0.2:", "is not a port")]
    [InlineData("deploy@fd00::2", "write it in brackets")]
    [InlineData("deploy@[10.0.0.1]", "is not an IPv6 address in brackets")]
    [InlineData("deploy@[fd00::2]x", "is not :PORT")]
    public void TryParse_BadTargets_OneSentence(string text, string says)
    {
        Assert.False(SshTarget.TryParse(text, out _, out var error));
        Assert.Contains(says, error);
        Assert.EndsWith(".", error);
    }

    [Fact]
    public void ToString_WritesThePort() =>
        Assert.Equal("deploy@[fd00::2]:22", new SshTarget("deploy", "fd00::2", 22).ToString());
}
