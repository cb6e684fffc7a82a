using Baton.Deploy.Compose;
using Baton.Deploy.ServiceFile;

namespace Baton.Deploy.Tests.Compose;

/// <summary>A docker-compose.yml as the baton.yml of each service Baton deploys; every key Baton cannot honour is an error with its line.</summary>
public sealed class ComposeConverterTests : IDisposable
{
    private readonly string _dir = Path.Combine(Directory.CreateTempSubdirectory("baton-compose-").FullName, "Shop-App");
    private readonly Dictionary<string, string> _env = new() { ["TAG"] = "v2" };

    public ComposeConverterTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(Path.GetDirectoryName(_dir)!, recursive: true);

    private ComposeResult Convert(string yaml, params string[] only) =>
        ComposeConverter.Convert(yaml, "docker-compose.yml", _dir, n => _env.GetValueOrDefault(n), only);

    private static ServiceDefinition Definition(ComposeService service)
    {
        var parsed = ServiceFileParser.Parse(service.BatonYaml);
        Assert.True(parsed.Ok, string.Join("\n", parsed.Errors) + "\n" + service.BatonYaml);
        return parsed.Definition!;
    }

    private const string Project = """
        services:
          web:
            image: 127.0.0.1:5000/shop:${TAG:-v1}
            command: ["serve", "--port", "8000"]
            environment:
              DATABASE_URL: postgres://db/shop
              GREETING: ${GREETING:-hello}
              LEVEL: $LOG_LEVEL
            ports: ["8000:8000"]
            volumes:
              - uploads:/srv/uploads
              - ./config:/srv/config:ro
            labels:
              team: shop
            user: "1000"
            working_dir: /srv
            stop_grace_period: 20s
            stop_signal: SIGINT
            extra_hosts: ["legacy.internal:10.200.0.9"]
            deploy:
              replicas: 2
              resources:
                limits: { memory: 256m, cpus: "0.5" }
            logging:
              driver: json-file
              options: { max-size: 10m }
            depends_on: [db]
            restart: unless-stopped
            x-baton:
              hosts: [shop.example.com]
              health: { path: /health, interval: 1s }
              watch: 10s
          db:
            image: postgres:16
        volumes:
          uploads: {}
        """;

    [Fact]
    public void WebWithXBaton_BecomesItsBatonYml_OnTheProjectsNetworkAndVolumes()
    {
        var result = Convert(Project);

        Assert.True(result.Ok, string.Join("\n", result.Errors));
        var web = Assert.Single(result.Services); // db has no x-baton: it stays compose's
        Assert.Equal(("web", "127.0.0.1:5000/shop:v2"), (web.Name, web.Image));
        var d = Definition(web);
        Assert.Equal("127.0.0.1:5000/shop", d.Image);
        Assert.Equal((TargetMode.Publish, "shop-app_default", (int?)8000), (d.Mode, d.Network, d.ContainerPort));
        Assert.Equal(["shop.example.com"], d.Hosts);
        Assert.Equal("/health", d.Health.Path);
        Assert.Equal(TimeSpan.FromSeconds(10), d.Watch);
        Assert.Equal(2, d.Replicas);
        Assert.Equal(TimeSpan.FromSeconds(20), d.StopTimeout);
        Assert.Equal("shop", d.Labels["team"]);
        var env = d.Env.ToDictionary(e => e.Name, e => e.Value);
        Assert.Equal(("postgres://db/shop", "hello"), (env["DATABASE_URL"], env["GREETING"]));
        var c = d.Container;
        var s = c.Settings;
        Assert.Equal(["serve", "--port", "8000"], c.Command);
        Assert.Equal(["shop-app_uploads:/srv/uploads", $"{Path.Combine(_dir, "config")}:/srv/config:ro"], s.Volumes);
        Assert.Equal(("1000", "/srv", "SIGINT"), (s.User, c.WorkingDir, s.StopSignal));
        Assert.Equal(["legacy.internal:10.200.0.9"], s.ExtraHosts);
        Assert.Equal((256L * 1024 * 1024, 500_000_000L), (s.MemoryBytes!.Value, s.NanoCpus!.Value));
        Assert.Equal(("json-file", "10m"), (s.LogDriver, s.LogOptions["max-size"]));
        Assert.Equal("", env["LEVEL"]);
        Assert.Equal(["LOG_LEVEL is not set; it was taken as empty (as docker compose does)."], result.Warnings);
    }

    [Fact]
    public void DotEnvBesideTheFile_GivesVariables_TheEnvironmentWins()
    {
        File.WriteAllText(Path.Combine(_dir, ".env"), "TAG=v9\nCOMPOSE_PROJECT_NAME=Shop Prod\n");
        _env.Remove("TAG");
        var web = Assert.Single(Convert(Project).Services);
        Assert.Equal("127.0.0.1:5000/shop:v9", web.Image);
        Assert.Equal("shopprod_default", Definition(web).Network);
        _env["TAG"] = "v3";
        Assert.Equal("127.0.0.1:5000/shop:v3", Assert.Single(Convert(Project).Services).Image);
    }

    [Fact]
    public void NamedService_WithoutXBaton_ExternalNetworkAndNamedVolume()
    {
        var result = Convert("""
            services:
              api:
                image: registry.example.com/api
                expose: ["9000"]
                networks: [backend]
                volumes: ["cache:/cache"]
            networks:
              backend: { external: true }
            volumes:
              cache: { name: shared-cache }
            """, "api");
        var d = Definition(Assert.Single(result.Services));
        Assert.Equal(("backend", (int?)9000), (d.Network, d.ContainerPort));
        Assert.Equal(["shared-cache:/cache"], d.Container.Settings.Volumes);
    }

    [Theory]
    [InlineData("    healthcheck: { test: [CMD, true], disable: true }", "line 5: services.web.healthcheck.disable: with the check off nothing gates a release on it")]
    [InlineData("    healthcheck: { test: [CMD, true], start_interval: 1s }", "services.web.healthcheck.start_interval: the Docker engine API Baton speaks (1.41) has no start_interval")]
    [InlineData("    container_name: shop", "line 5: services.web.container_name: Baton names each release's containers itself")]
    [InlineData("    privileged: true", "line 5: services.web.privileged: Baton cannot honour this key")]
    [InlineData("    restart: \"no\"", "services.web.restart: Baton restarts a crashed container itself")]
    [InlineData("    networks: [a, b]", "services.web.networks: Baton's containers join one network; this service is on 2 (a, b).")]
    [InlineData("    ports: [\"8000:8000\", \"9000:9000\"]", "services.web.ports: the container listens on several ports (8000, 9000): say which one serves HTTP with x-baton.port.")]
    [InlineData("    volumes: [/data]", "services.web.volumes: '/data': an anonymous volume is a new empty volume per container")]
    [InlineData("    environment: [SECRET]", "services.web.environment: 'SECRET' has no value")]
    [InlineData("    x-baton: { image: other }", "services.web.x-baton.image: not a Baton setting here")]
    [InlineData("    deploy: { mode: global }", "services.web.deploy.mode: Baton takes deploy.replicas and deploy.resources.limits")]
    public void CannotHonour_OneSentenceWithItsLine(string extra, string expected)
    {
        var result = Convert($"services:\n  web:\n    image: shop\n    expose: [\"8000\"]\n{extra}\n", "web");
        Assert.False(result.Ok);
        Assert.Contains(result.Errors, e => e.Contains(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void Healthcheck_BecomesTheEngineGate_RouterProbesTheOpenPort()
    {
        var result = Convert("""
            services:
              web:
                image: shop
                healthcheck:
                  test: ["CMD", "wget", "-q", "-O", "/dev/null", "http://127.0.0.1:8000/health"]
                  interval: 2s
                  timeout: 1s
                  retries: 4
                  start_period: 30s
                x-baton: { hosts: [shop.test] }
            """);
        Assert.True(result.Ok, string.Join("\n", result.Errors));
        var d = Definition(Assert.Single(result.Services));
        var check = d.Healthcheck!;
        Assert.Equal(["CMD", "wget", "-q", "-O", "/dev/null", "http://127.0.0.1:8000/health"], check.Test);
        Assert.Equal((TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(1), (int?)4, TimeSpan.FromSeconds(30)), (check.Interval!.Value, check.Timeout!.Value, check.Retries, check.StartPeriod!.Value));
        Assert.Equal("tcp", d.Health.Path);  // no HTTP health path given: the router only needs the port open
        Assert.Null(d.ContainerPort);        // no ports/expose: the image's EXPOSE decides at deploy
        Assert.Equal(TargetMode.Publish, d.Mode);
    }

    [Fact]
    public void Healthcheck_WithXBatonHealthPath_BothGate()
    {
        var result = Convert("services:\n  web:\n    image: shop\n    healthcheck: { test: curl -f http://localhost/ }\n    x-baton: { health: { path: /ready } }\n");
        var d = Definition(Assert.Single(result.Services));
        Assert.Equal(["CMD-SHELL", "curl -f http://localhost/"], d.Healthcheck!.Test);
        Assert.Equal("/ready", d.Health.Path);
    }

    [Fact]
    public void BuildWithoutImage_SaysToBuildAndPushFirst()
    {
        var result = Convert("services:\n  web:\n    build: .\n    x-baton: { hosts: [a.test] }\n");
        Assert.Contains(result.Errors, e => e.Contains("services.web.image: Baton deploys images from a registry: build and push this one", StringComparison.Ordinal));
    }

    [Fact]
    public void NoXBatonAndNoneNamed_Says_HowToChoose() =>
        Assert.Equal(["docker-compose.yml: no service has an x-baton: block; add one to the services Baton deploys, or name them with --service."],
            Convert("services:\n  web:\n    image: shop\n").Errors);

    [Fact]
    public void UnknownServiceNamed_ListsTheOnes_ThereAre() =>
        Assert.Contains("there is no service named api (it has web, db)", Convert("services:\n  web:\n    image: shop\n  db:\n    image: pg\n", "api").Errors[0]);

    [Theory]
    [InlineData("${A}", "a")]
    [InlineData("$A-$B", "a-")]
    [InlineData("${B:-dflt}", "dflt")]
    [InlineData("${E:-dflt}", "dflt")]
    [InlineData("${E-dflt}", "")]
    [InlineData("$$A", "$A")]
    [InlineData("${A:?must be set}", "a")]
    public void Interpolation_AsComposeDoesIt(string text, string expected)
    {
        var env = new Dictionary<string, string> { ["A"] = "a", ["E"] = "" };
        Assert.Equal(expected, ComposeInterpolation.Apply(text, n => env.GetValueOrDefault(n), new List<string>(), out var error));
        Assert.Null(error);
    }

    [Fact]
    public void Interpolation_RequiredAndUnset_IsAnError()
    {
        Assert.Null(ComposeInterpolation.Apply("${DB:?give the database URL}", _ => null, new List<string>(), out var error));
        Assert.Equal("DB is required: give the database URL", error);
    }
}
