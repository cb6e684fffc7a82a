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
        target_timeout: 15s
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
        Assert.Equal(TimeSpan.FromSeconds(15), d.TargetTimeout);
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
        Assert.Null(d.TargetTimeout); // the router's 60 s
        Assert.Equal(TimeSpan.FromSeconds(10), d.StopTimeout);
        Assert.Equal(2, d.Keep);
        Assert.Equal(TargetMode.Publish, d.Mode); // any image, on the engine's default bridge
        Assert.Null(d.ContainerPort);             // the image's EXPOSE decides at deploy
        Assert.Null(d.Network);
        Assert.Equal("PORT", d.PortEnv);
        Assert.Equal("{color}.{host}", d.Staging);
    }

    [Theory]
    [InlineData("service: web\nimage: sample\nhealth:\n  interval: 1x\n", "baton.yml line 4: health.interval: '1x' is not a duration")]
    [InlineData("service: web\nimage: sample\nhelth:\n  path: /x\n", "baton.yml line 3: helth: unknown field; did you mean health?")]
    [InlineData("service: Web\nimage: sample\n", "baton.yml line 1: service: Service name 'Web' is invalid")]
    [InlineData("service: web\nimage: sample:v1\n", "baton.yml line 2: image: 'sample:v1' must be a repository without a tag")]
    [InlineData("service: web\n", "baton.yml line 1: image: missing")]
    [InlineData("service: web\nimage: sample\ntarget_timeout: soon\n", "baton.yml line 3: target_timeout: 'soon' is not a duration")]
    [InlineData("service: web\nimage: sample\ntarget_timeout: 500ms\n", "baton.yml line 3: target_timeout: '500ms' must be from 1s to 60m")]
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

public sealed class ServiceFileRolloutTests
{
    private const string Head = """
        service: web
        image: 127.0.0.1:5000/shop

        """;

    [Fact]
    public void CanaryAndRolling_Parsed()
    {
        var parsed = ServiceFileParser.Parse(Head + """
            replicas: 4
            canary:
              steps: [10, 50%, 100]
              step_time: 2m
              min_requests: 200
              max_error_rate: 1%
              max_p95_increase: 50ms
              max_p95_ratio: 2
            rolling:
              max_surge: 2
              max_unavailable: 1
              batch_time: 30s
            """);
        Assert.True(parsed.Ok, string.Join("\n", parsed.Errors));
        var d = parsed.Definition!;
        Assert.Equal([10, 50, 100], d.Canary.Steps);
        Assert.Equal(TimeSpan.FromMinutes(2), d.Canary.StepTime);
        Assert.Equal(200, d.Canary.MinRequests);
        Assert.Equal(0.01, d.Canary.MaxErrorRate, 6);
        Assert.Equal(TimeSpan.FromMilliseconds(50), d.Canary.MaxP95Increase);
        Assert.Equal(2, d.Canary.MaxP95Ratio);
        Assert.Equal(new RollingSpec { MaxSurge = 2, MaxUnavailable = 1, BatchTime = TimeSpan.FromSeconds(30) }, d.Rolling);
    }

    [Fact]
    public void Defaults_WhenAbsent()
    {
        var d = ServiceFileParser.Parse(Head).Definition!;
        Assert.Equal([5, 25, 50, 100], d.Canary.Steps);
        Assert.Equal(TimeSpan.FromSeconds(60), d.Canary.StepTime);
        Assert.Equal(1, d.Rolling.MaxSurge);
        Assert.Equal(0, d.Rolling.MaxUnavailable);
    }

    [Theory]
    [InlineData("canary:\n  steps: [50, 20, 100]", "line 4: canary.steps: the steps must rise (50 is followed by 20).")]
    [InlineData("canary:\n  steps: [5, 25]", "canary.steps: the last step must be 100 (the promote), not 25.")]
    [InlineData("canary:\n  steps: [0, 100]", "canary.steps: '0' must be a whole percentage from 1 to 100.")]
    [InlineData("canary:\n  max_error_rate: 120%", "canary.max_error_rate: '120%' must be a share from 0 to 1, or a percentage such as 2%.")]
    [InlineData("canary:\n  max_p95_ratio: 0.5", "canary.max_p95_ratio: '0.5' must be a factor from 1 to 1000, such as 1.5.")]
    [InlineData("canary:\n  step: 30s", "canary.step: unknown field; did you mean canary.steps?")]
    [InlineData("rolling:\n  max_surge: 0", "rolling: max_surge and max_unavailable cannot both be 0: no batch could start.")]
    public void BadSections_LineAndField(string section, string expected)
    {
        var parsed = ServiceFileParser.Parse(Head + section);
        Assert.False(parsed.Ok);
        Assert.Contains(parsed.Errors, e => e.EndsWith(expected, StringComparison.Ordinal));
    }
}

public sealed class ServiceFileWatchAndRangeTests
{
    private static ServiceFileResult Parse(string extra) => ServiceFileParser.Parse($"service: web\nimage: 127.0.0.1:5000/shop\n{extra}\n");

    [Theory]
    [InlineData("target:\n  port: 8000", TargetMode.Publish, 8000, null)]
    [InlineData("target:\n  network: shop-net\n  port: 8000", TargetMode.Publish, 8000, "shop-net")]
    [InlineData("target:\n  mode: network\n  network: shop-net", TargetMode.Publish, null, "shop-net")] // the earlier name
    [InlineData("target:\n  mode: host", TargetMode.Host, null, null)]
    public void Target_Modes_Parsed(string yaml, TargetMode mode, int? port, string? network)
    {
        var d = Parse(yaml).Definition!;
        Assert.Equal((mode, port, network), (d.Mode, d.ContainerPort, d.Network));
    }

    [Fact]
    public void Healthcheck_Parsed_AndNoHealthPath_MakesTheRouterProbeTheOpenPort()
    {
        var d = Parse("healthcheck:\n  test: [CMD-SHELL, test -f /tmp/ready]\n  interval: 200ms\n  retries: 2\n").Definition!;
        Assert.Equal(["CMD-SHELL", "test -f /tmp/ready"], d.Healthcheck!.Test);
        Assert.Equal((TimeSpan.FromMilliseconds(200), (TimeSpan?)null, (int?)2), (d.Healthcheck.Interval!.Value, d.Healthcheck.Timeout, d.Healthcheck.Retries));
        Assert.Equal("tcp", d.Health.Path);
        Assert.Null(Parse("").Definition!.Healthcheck);
        Assert.Equal("/health", Parse("").Definition!.Health.Path);
    }

    [Fact]
    public void Healthcheck_WithHealthPath_KeepsThePath() =>
        Assert.Equal("/ready", Parse("healthcheck:\n  test: true\nhealth:\n  path: /ready\n").Definition!.Health.Path);

    [Theory]
    [InlineData("healthcheck:\n  interval: 1s", "healthcheck.test: missing")]
    [InlineData("healthcheck:\n  test: [NONE]", "healthcheck.test: NONE turns the check off")]
    [InlineData("healthcheck:\n  test: [wget, x]", "healthcheck.test: a list starts with CMD")]
    [InlineData("healthcheck:\n  test: [CMD]", "healthcheck.test: a list starts with CMD")]
    [InlineData("healthcheck:\n  test: true\n  retries: 0", "healthcheck.retries")]
    [InlineData("healthcheck:\n  test: true\n  interval: 1ms", "healthcheck.interval")]
    [InlineData("healthcheck:\n  test: true\n  disable: true", "healthcheck.disable: unknown field")]
    public void Healthcheck_Broken_NamesTheField(string yaml, string expected)
    {
        var result = Parse(yaml);
        Assert.False(result.Ok);
        Assert.Contains(result.Errors, e => e.Contains(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void Watch_DefaultsTo30s_ZeroTurnsItOff()
    {
        Assert.Equal(TimeSpan.FromSeconds(30), Parse("").Definition!.Watch);
        Assert.Equal(TimeSpan.Zero, Parse("watch: 0s").Definition!.Watch);
    }

    [Theory]
    [InlineData("health:\n  interval: 0s", "health.interval")]
    [InlineData("health:\n  timeout: 0s", "health.timeout")]
    [InlineData("deploy_timeout: 0s", "deploy_timeout")]
    [InlineData("watch: 2h", "watch")]
    [InlineData("canary:\n  step_time: 0s", "canary.step_time")]
    [InlineData("target:\n  mode: host\n  port: 8080", "target.port")]
    [InlineData("target:\n  mode: host\n  network: shop-net", "target.network")]
    [InlineData("target:\n  mode: network", "target.network: missing")]
    [InlineData("target:\n  network: host", "target.network: 'host' is a network mode")]
    [InlineData("target:\n  network: \"container:db\"", "target.network: 'container:db' is not a Docker network name")]
    [InlineData("target:\n  mode: bridge", "target.mode: 'bridge' is not a mode: use publish (the default) or host")]
    public void FieldThatCannotWork_IsAnError(string yaml, string field)
    {
        var result = Parse(yaml);
        Assert.False(result.Ok);
        Assert.Contains(result.Errors, e => e.Contains(field, StringComparison.Ordinal));
    }
}
