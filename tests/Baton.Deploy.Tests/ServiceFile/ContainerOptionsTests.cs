using Baton.Deploy.ServiceFile;

namespace Baton.Deploy.Tests.ServiceFile;

/// <summary>baton.yml's container settings: what each field becomes, and one sentence with its line for what cannot work.</summary>
public sealed class ContainerOptionsTests
{
    private static ServiceFileResult Parse(string extra) => ServiceFileParser.Parse($"service: web\nimage: 127.0.0.1:5000/shop\n{extra}\n");

    [Fact]
    public void EveryField_TakenAsDockerRunWouldTakeIt()
    {
        var c = Parse("""
            volumes:
              - shop-data:/data
              - /srv/shop/config:/config:ro
            resources:
              memory: 256m
              cpus: 0.5
            logging:
              driver: json-file
              options:
                max-size: 10m
                max-file: "3"
            user: "65534:65534"
            entrypoint: [/app/SampleApp, --quiet]
            extra_hosts: ["db.internal:10.200.0.5", "cache.internal=10.200.0.6"]
            stop_signal: SIGINT
            """).Definition!.Container;
        var s = c.Settings;

        Assert.Equal(["shop-data:/data", "/srv/shop/config:/config:ro"], s.Volumes);
        Assert.Equal(256L * 1024 * 1024, s.MemoryBytes);
        Assert.Equal(500_000_000L, s.NanoCpus);
        Assert.Equal("json-file", s.LogDriver);
        Assert.Equal(new Dictionary<string, string> { ["max-size"] = "10m", ["max-file"] = "3" }, s.LogOptions);
        Assert.Equal("65534:65534", s.User);
        Assert.Equal(["/app/SampleApp", "--quiet"], c.Entrypoint);
        Assert.Equal(["db.internal:10.200.0.5", "cache.internal:10.200.0.6"], s.ExtraHosts);
        Assert.Equal("SIGINT", s.StopSignal);
    }

    [Fact]
    public void None_NothingChangesFromTheImage()
    {
        var c = Parse("").Definition!.Container;
        var s = c.Settings;
        Assert.Empty(s.Volumes);
        Assert.Null(s.MemoryBytes);
        Assert.Null(s.NanoCpus);
        Assert.Null(s.LogDriver);
        Assert.Null(s.User);
        Assert.Null(c.Entrypoint);
        Assert.Null(s.StopSignal);
    }

    [Theory]
    [InlineData("volumes: [data]", "line 3: volumes: 'data' must be NAME:/path or /host/path:/path, with :ro to mount it read-only.")]
    [InlineData("volumes: [\"data:relative\"]", "volumes: 'data:relative': the path inside the container must be absolute.")]
    [InlineData("volumes: [\"./data:/data\"]", "volumes: './data:/data': a host path must be absolute (Baton's server does not know where the file was).")]
    [InlineData("volumes: [\"data:/data:rx\"]", "volumes: 'data:/data:rx': the mount option must be ro or rw.")]
    [InlineData("volumes: [\"da ta:/data\"]", "is neither an absolute host path nor a volume name (letters, digits, _ . -).")]
    [InlineData("resources:\n  memory: 1m", "resources.memory: '1m' must be a size of at least 6m, such as 512m or 1g.")]
    [InlineData("resources:\n  memory: lots", "resources.memory: 'lots' must be a size of at least 6m, such as 512m or 1g.")]
    [InlineData("resources:\n  cpus: 0", "resources.cpus: '0' must be a number of CPUs from 0.01 to 1024, such as 0.5.")]
    [InlineData("resources:\n  cpu: 1", "resources.cpu: unknown field; did you mean resources.cpus?")]
    [InlineData("logging:\n  options:\n    max-size: 10m", "logging.driver: missing; give the driver the options are for, such as json-file.")]
    [InlineData("logging:\n  driver: \"json file\"", "logging.driver: 'json file' is not a log driver name, such as json-file or local.")]
    [InlineData("user: \"root; rm\"", "user: 'root; rm' must be USER or USER:GROUP, by name or number.")]
    [InlineData("extra_hosts: [\"db.internal\"]", "extra_hosts: 'db.internal' must be HOST:IP, such as db.internal:10.200.0.5.")]
    [InlineData("extra_hosts: [\"db.internal:nowhere\"]", "extra_hosts: 'db.internal:nowhere' must be HOST:IP, such as db.internal:10.200.0.5.")]
    [InlineData("stop_signal: stop", "stop_signal: 'stop' is not a signal; write it like SIGINT or SIGQUIT.")]
    public void CannotWork_OneSentenceWithLineAndField(string yaml, string expected)
    {
        var result = Parse(yaml);
        Assert.False(result.Ok);
        Assert.Contains(result.Errors, e => e.EndsWith(expected, StringComparison.Ordinal));
    }
}
