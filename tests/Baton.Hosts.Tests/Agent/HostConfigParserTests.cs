using Baton.Hosts.Agent;

namespace Baton.Hosts.Tests.Agent;

public sealed class HostConfigParserTests
{
    [Fact]
    public void Parse_FullConfig_ReadsEveryKey()
    {
        var (config, errors) = HostConfigParser.Parse("""
            name: app1
            docker: /var/run/docker-h1.sock
            address: 10.200.0.2
            services: [web, "shop-*"]
            images:
              - registry.example.com/team/
              - 127.0.0.1:5000/baton-sample
            volumes: [web-data, /srv/baton/]
            networks: [shop_default, host]
            log: /var/log/baton/host.log
            """);

        Assert.Empty(errors);
        Assert.Equal("app1", config!.Name);
        Assert.Equal("unix:///var/run/docker-h1.sock", config.Docker.Address);
        Assert.Equal("10.200.0.2", config.Address);
        Assert.Equal("web, shop-*", config.ServiceList);
        Assert.Equal(["registry.example.com/team/", "127.0.0.1:5000/baton-sample"], config.Images);
        Assert.Equal("web-data", Assert.Single(config.NamedVolumes).Text);
        Assert.Equal(["/srv/baton"], config.HostPaths);
        Assert.Equal(["shop_default"], config.Networks);
        Assert.True(config.HostNetwork);
        Assert.Equal("/var/log/baton/host.log", config.LogPath);
    }

    [Fact]
    public void Parse_Minimal_DefaultsAreNarrow()
    {
        var (config, _) = HostConfigParser.Parse("name: app1\nservices: web\nimages: [registry.example.com/team/]\n");

        Assert.Equal("127.0.0.1", config!.Address);
        Assert.Empty(config.NamedVolumes);
        Assert.Empty(config.HostPaths);
        Assert.Empty(config.Networks);
        Assert.False(config.HostNetwork);
        Assert.Null(config.LogPath);
    }

    [Theory]
    [InlineData("name: app1\nservices: [web]\nimages: [r/]\nprivileged: true\n", "host.yml line 4: unknown key 'privileged'; a host config has name, docker, address, services, images, volumes, networks, log.")]
    [InlineData("services: [web]\nimages: [r/]\n", "host.yml: name is missing: the host's name, e.g. name: app1.")]
    [InlineData("name: app1\nimages: [r/]\n", "host.yml: services is missing: the services this host runs, e.g. services: [web, api].")]
    [InlineData("name: app1\nservices: [web]\n", "host.yml: images is missing: the image repositories this host may run, e.g. images: [registry.example.com/team/].")]
    [InlineData("name: app1\nservices: []\nimages: [r/]\n", "host.yml line 2: services: name at least one service this host runs.")]
    [InlineData("name: App 1\nservices: [web]\nimages: [r/]\n", "host.yml line 1: name: 'App 1' is not a host name (lower-case letters, digits, '-' and '.', at most 63).")]
    [InlineData("name: app1\naddress: 0.0.0.0\nservices: [web]\nimages: [r/]\n", "host.yml line 2: address: 0.0.0.0 would publish every container port on every interface; name the one address the router reaches this server at.")]
    [InlineData("name: app1\naddress: app1.example\nservices: [web]\nimages: [r/]\n", "host.yml line 2: address: 'app1.example' is not an IP address (the one this server's published ports bind to, e.g. 10.200.0.2).")]
    [InlineData("name: app1\nservices: [web]\nimages: [r/]\nvolumes: [/]\n", "host.yml line 4: volumes: '/' would let containers mount every file of this host, the Docker socket included; name a folder such as /srv/baton.")]
    [InlineData("name: app1\nservices: [web]\nimages: [r/]\nvolumes: [/srv/../etc]\n", "host.yml line 4: volumes: '/srv/../etc' is not a plain absolute folder (no '.', '..' or '//' in it).")]
    [InlineData("name: app1\nservices: [web]\nimages: [r/]\nnetworks: ['container:db']\n", "host.yml line 4: networks: 'container:db' would let a container join another container's network; name user-defined networks, or host.")]
    [InlineData("name: app1\nservices: [web]\nimages: [r/]\nlog: host.log\n", "host.yml line 4: log: 'host.log' must be an absolute file path, e.g. /var/log/baton/host.log.")]
    [InlineData("name: app1\nservices: [Web!]\nimages: [r/]\n", "host.yml line 2: services: 'Web!' is not a service name or glob (lower-case letters, digits, '-', '_', '.', '*' and '?').")]
    [InlineData("name: app1\nservices: [web]\nimages: [\"bad image\"]\n", "host.yml line 3: images: 'bad image' is not a repository (e.g. 127.0.0.1:5000/baton-sample) or a folder of repositories ending in '/' (e.g. registry.example.com/team/).")]
    [InlineData("name: app1\nservices: {web: 1}\nimages: [r/]\n", "host.yml line 2: services: give a list, e.g. [a, b].")]
    [InlineData("- name\n", "host.yml: the file must be one YAML mapping with at least name, services and images.")]
    public void Parse_Mistake_OneSentenceNamingLineAndKey(string text, string expected)
    {
        var (config, errors) = HostConfigParser.Parse(text);

        Assert.Null(config);
        Assert.Equal(expected, Assert.Single(errors));
    }

    [Fact]
    public void Parse_KeyTwice_Refused()
    {
        var (config, errors) = HostConfigParser.Parse("name: app1\nservices: [web]\nservices: ['*']\nimages: [r/]\n");

        Assert.Null(config);
        Assert.StartsWith("host.yml", Assert.Single(errors), StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_InvalidYaml_NamesTheLine()
    {
        var (_, errors) = HostConfigParser.Parse("name: app1\nservices: [web\nimages: [r/]\n");

        Assert.Matches(@"^host\.yml( line \d+)?: this is not valid YAML", Assert.Single(errors));
    }

    [Fact]
    public void Load_MissingFile_OneSentence()
    {
        var (_, errors) = HostConfigParser.Load("/nonexistent/host.yml");

        Assert.Equal("The host config /nonexistent/host.yml does not exist; give the file with --config (e.g. /etc/baton/host.yml).", Assert.Single(errors));
    }
}
