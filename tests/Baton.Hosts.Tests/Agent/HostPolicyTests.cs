using Baton.Docker;
using Baton.Hosts.Agent;

namespace Baton.Hosts.Tests.Agent;

public sealed class HostPolicyTests
{
    private static readonly HostPolicy Policy = new(HostConfigParser.Parse("""
        name: app1
        address: 10.200.0.2
        services: [web, "shop-*"]
        images: [registry.example.com/team/, 127.0.0.1:5000/baton-sample]
        volumes: [web-data, /srv/baton]
        networks: [shop_default]
        """).Config!);

    [Theory]
    [InlineData("web", true)]
    [InlineData("shop-cart", true)]
    [InlineData("shop-", true)]
    [InlineData("webx", false)]
    [InlineData("shop", false)]
    [InlineData("", false)]
    public void AllowsService_NamesAndGlobs(string service, bool allowed) => Assert.Equal(allowed, Policy.AllowsService(service));

    [Theory]
    [InlineData("registry.example.com/team/web:1", true)]
    [InlineData("registry.example.com/team/sub/web@sha256:0123456789012345678901234567890123456789012345678901234567890123", true)]
    [InlineData("127.0.0.1:5000/baton-sample:v2", true)]
    [InlineData("127.0.0.1:5000/baton-sample", true)]
    [InlineData("127.0.0.1:5000/baton-sample-evil:v2", false)]
    [InlineData("127.0.0.1:5000/baton-sample/evil:v2", false)]
    [InlineData("registry.example.com/teamevil/web:1", false)]
    [InlineData("registry.example.com/team/../x:1", false)]
    [InlineData("busybox", false)]
    [InlineData("sha256:0123456789012345678901234567890123456789012345678901234567890123", false)]
    public void ImageRefusal_FolderAndRepositoryEntries(string reference, bool allowed) =>
        Assert.Equal(allowed, Policy.ImageRefusal(reference) is null);

    [Fact]
    public void ImageRefusal_IdKnownByAnAllowedTag_Allowed()
    {
        const string id = "sha256:0123456789012345678901234567890123456789012345678901234567890123";

        Assert.Null(Policy.ImageRefusal(id, ["127.0.0.1:5000/baton-sample:v1"]));
        Assert.Equal($"This host (app1) does not run image '{id}' (known here as busybox:latest); its config allows: registry.example.com/team/, 127.0.0.1:5000/baton-sample.",
            Policy.ImageRefusal(id, ["busybox:latest"]));
    }

    [Theory]
    [InlineData("web-data:/data", null)]
    [InlineData("/srv/baton/web:/data:ro", null)]
    [InlineData("/srv/baton:/data", null)]
    [InlineData("/srv/batonx:/data", "does not let containers mount the host path /srv/batonx")]
    [InlineData("/srv/baton/../../etc:/data", "is not a plain absolute path")]
    [InlineData("/srv/baton/web:/data:rshared", "only ro and rw")]
    [InlineData("/srv/baton/web:/data:z", "only ro and rw")]
    [InlineData("other:/data", "does not allow the named volume 'other'")]
    [InlineData("/data", "is not SOURCE:/container/path[:ro]")]
    [InlineData("web-data:data", "is not SOURCE:/container/path[:ro]")]
    public void VolumeRefusal_OnlyWhatTheConfigAllows(string bind, string? expected)
    {
        var refusal = Policy.VolumeRefusal(bind);

        if (expected is null) Assert.Null(refusal);
        else Assert.Contains(expected, refusal, StringComparison.Ordinal);
    }

    [Fact]
    public void CheckCreate_PortsBindTheHostsAddress()
    {
        var spec = new ContainerSpec
        {
            Image = "registry.example.com/team/web:1",
            Labels = new Dictionary<string, string> { ["baton.service"] = "web" },
            Ports = [new PortBinding(8000, 0), new PortBinding(8001, 30001, "10.200.0.2"), new PortBinding(8002, 0, "")],
        };

        var checkedSpec = Policy.CheckCreate(spec, out var refusal);

        Assert.Null(refusal);
        Assert.All(checkedSpec!.Ports, p => Assert.Equal("10.200.0.2", p.HostIp));
    }

    [Theory]
    [InlineData(null, null)]
    [InlineData("bridge", null)]
    [InlineData("shop_default", null)]
    [InlineData("host", "does not let containers share its network")]
    [InlineData("other", "does not allow network 'other'; its config allows: bridge (the default), shop_default.")]
    public void NetworkRefusal_DefaultBridgeAndListedOnly(string? network, string? expected)
    {
        var refusal = Policy.NetworkRefusal(network);

        if (expected is null) Assert.Null(refusal);
        else Assert.Contains(expected, refusal, StringComparison.Ordinal);
    }

    [Fact]
    public void ContainerRefusal_NoLabelOrOtherService()
    {
        Assert.Null(Policy.ContainerRefusal("web-1", new Dictionary<string, string> { ["baton.service"] = "web" }));
        Assert.Equal("Container 'db' has no baton.service label, so it is not Baton's to act on; this host (app1) acts only on containers of its services: web, shop-*.",
            Policy.ContainerRefusal("db", new Dictionary<string, string>()));
        Assert.Equal("Container 'billing-1' belongs to service 'billing', which this host (app1) does not run; its config allows: web, shop-*.",
            Policy.ContainerRefusal("billing-1", new Dictionary<string, string> { ["baton.service"] = "billing" }));
    }
}
