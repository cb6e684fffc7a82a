using Baton.Deploy.ServiceFile;

namespace Baton.Deploy.Tests.ServiceFile;

public sealed class ServiceFileParserTests
{
    private const string Full = """
        service: web
        image: 127.0.0.1:5000/shop
        hosts: [app.localhost, "*.shop.localhost"]
        path: /
        target:
          mode: host
          port_env: HTTP_PORT
        env:
          GREETING: hello
          DB_PASSWORD: { secret: s3cr3t }
        health:
          path: /ready
          interval: 500ms
          passes: 3
        deploy_timeout: 2m
        drain_timeout: 10s
        stop_timeout: 5s
        replicas: 2
        keep: 3
        labels:
          team: shop
        release_task:
          command: [migrate]
          timeout: 1m
        smoke:
          - path: /version
            status: 200
            contains: v
        workers:
          - name: jobs
            command: work --queue default
        """;

    [Fact]
    public void Parse_FullFile_ReadsEveryField()
    {
        var result = ServiceFileParser.Parse(Full);
        Assert.True(result.Ok, string.Join("\n", result.Errors));
        var d = result.Definition!;
        Assert.Equal("web", d.Name);
        Assert.Equal("127.0.0.1:5000/shop", d.Image);
        Assert.Equal(["app.localhost", "*.shop.localhost"], d.Hosts);
        Assert.Equal("HTTP_PORT", d.PortEnv);
        Assert.Equal(new EnvVar("GREETING", "hello", false), d.Env[0]);
        Assert.True(d.Env[1].Secret);
        Assert.Equal(EnvVar.Mask, d.Env[1].Shown);
        Assert.Equal("/ready", d.Health.Path);
        Assert.Equal(TimeSpan.FromMilliseconds(500), d.Health.Interval);
        Assert.Equal(3, d.Health.Passes);
        Assert.Equal(TimeSpan.FromMinutes(2), d.DeployTimeout);
        Assert.Equal(2, d.Replicas);
        Assert.Equal(3, d.Keep);
        Assert.Equal("shop", d.Labels["team"]);
        Assert.Equal(["migrate"], d.ReleaseTask!.Command);
        Assert.Equal(new SmokeCheck("/version", 200, "v"), Assert.Single(d.Smoke));
        Assert.Equal(["work", "--queue", "default"], Assert.Single(d.Workers).Command);
    }

    [Fact]
    public void Parse_Minimal_TakesDefaults()
    {
        var d = ServiceFileParser.Parse("service: web\nimage: sample\n").Definition!;
        Assert.Equal("/health", d.Health.Path);
        Assert.Equal(TimeSpan.FromSeconds(30), d.DrainTimeout);
        Assert.Equal(TimeSpan.FromSeconds(10), d.StopTimeout);
        Assert.Equal(2, d.Keep);
        Assert.Equal(TargetMode.Host, d.Mode);
        Assert.Equal("PORT", d.PortEnv);
        Assert.Equal("{color}.{host}", d.Staging);
    }

    [Theory]
    [InlineData("service: web\nimage: sample\nhealth:\n  interval: 1x\n", "baton.yml line 4: health.interval: '1x' is not a duration")]
    [InlineData("service: web\nimage: sample\nhelth:\n  path: /x\n", "baton.yml line 3: helth: unknown field; did you mean health?")]
    [InlineData("service: Web\nimage: sample\n", "baton.yml line 1: service: Service name 'Web' is invalid")]
    [InlineData("service: web\nimage: sample:v1\n", "baton.yml line 2: image: 'sample:v1' must be a repository without a tag")]
    [InlineData("service: web\n", "baton.yml line 1: image: missing")]
    [InlineData("service: web\nimage: sample\nreplicas: 0\n", "baton.yml line 3: replicas: '0' must be a whole number from 1 to 64")]
    [InlineData("service: web\nimage: sample\nhosts: [\"bad host\"]\n", "baton.yml line 3: hosts: Host 'bad host' is not a host name")]
    [InlineData("service: web\nimage: sample\nlabels:\n  baton.color: x\n", "baton.yml line 4: labels: 'baton.color': labels starting with baton. are Baton's own")]
    [InlineData("service: web\nimage: sample\nenv:\n  A: [1, 2]\n", "baton.yml line 4: env.A: give a value")]
    [InlineData("service: web\nimage: [oops\n", "baton.yml line")]
    public void Parse_BrokenFile_NamesLineAndField(string yaml, string expected)
    {
        var result = ServiceFileParser.Parse(yaml);
        Assert.False(result.Ok);
        Assert.Contains(result.Errors, e => e.StartsWith(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void Parse_SeveralErrors_ReportsEach()
    {
        var result = ServiceFileParser.Parse("service: web\nimage: sample\nreplicas: lots\ndrain_timeout: soon\n");
        Assert.Equal(2, result.Errors.Count);
    }
}
