using System.Net;
using System.Text.Json;
using Baton.Deploy;
using Baton.FunctionalTests.Infrastructure;
using Xunit.Abstractions;

namespace Baton.FunctionalTests.Deploy;

/// <summary>
/// The default target mode on the real engine: an ordinary image that listens on a fixed port
/// inside its container (here busybox's httpd on 8000, which knows nothing of $PORT) deploys
/// unchanged; each container gets its own published port on 127.0.0.1, read back from the engine.
/// </summary>
public sealed class TargetModeTests(ITestOutputHelper output)
{
    [Fact]
    public async Task DefaultMode_FixedPortImage_DeployedUnchanged_V1ToV2UnderLoad_ZeroFailed()
    {
        await using var images = await FixedPortImages.BuildAsync("v1", "v2");
        await using var app = await BlueGreenApp.StartAsync();
        // No target block at all: the default mode, the image's EXPOSE 8000 as the container port.
        await app.ApplyOkAsync(app.Yaml("replicas: 2"));

        var first = await app.DeployOkAsync(images.Tag("v1"));
        Assert.Contains("The app's port inside its container: 8000 (the image's EXPOSE)", first.Stdout + first.Stderr);
        Assert.Equal("v1", await app.LiveVersionAsync());

        using var stop = new CancellationTokenSource();
        var load = Task.Run(() => GetLoopAsync(app, stop.Token));
        await Task.Delay(500);
        await app.DeployOkAsync(images.Tag("v2"));
        await Task.Delay(500);
        await stop.CancelAsync();
        var (requests, failures, versions) = await load;
        output.WriteLine($"{requests} requests, {failures.Count} failed; versions {string.Join(", ", versions)}");

        Assert.True(failures.Count == 0, string.Join("\n", failures.Take(10)));
        Assert.True(requests > 50, $"only {requests} requests");
        Assert.Contains("v1", versions);
        Assert.Contains("v2", versions);
        Assert.Equal("v2", await app.LiveVersionAsync());

        // What the engine runs: both v2 replicas on the default bridge (inside 10.200.0.0/16 here), each
        // with its own port published on 127.0.0.1 to the container's 8000 — the router's targets.
        var release = (await app.LatestAsync()).Release;
        var live = (await app.ContainersAsync()).Where(c => c.Running() && BlueGreenApp.Release(c) == release && c.Label(ContainerLabels.Role) == ContainerLabels.Web).ToList();
        Assert.Equal(2, live.Count);
        var targets = new HashSet<string>();
        foreach (var c in live)
        {
            var inspect = await SampleImages.RunAsync("docker", ["inspect", "--format", "{{json .NetworkSettings.Networks}}|{{json .NetworkSettings.Ports}}", c.Id], TimeSpan.FromSeconds(30));
            var parts = inspect.Stdout.Trim().Split('|');
            using var networks = JsonDocument.Parse(parts[0]);
            var bridge = networks.RootElement.GetProperty("bridge").GetProperty("IPAddress").GetString()!;
            Assert.True(IPAddress.Parse(bridge).GetAddressBytes() is [10, 200, ..], $"container address {bridge} outside 10.200.0.0/16");
            using var ports = JsonDocument.Parse(parts[1]);
            var binding = Assert.Single(ports.RootElement.GetProperty("8000/tcp").EnumerateArray().ToList());
            var published = $"{binding.GetProperty("HostIp").GetString()}:{binding.GetProperty("HostPort").GetString()}";
            Assert.Equal(c.Label(ContainerLabels.Target), published);
            Assert.StartsWith("127.0.0.1:", published);
            targets.Add(published);
        }
        Assert.Equal(2, targets.Count);
    }

    [Fact]
    public async Task DefaultMode_ImageDeclaringTwoPorts_RefusedBeforeAnythingStarts_TargetPortChoosesOne()
    {
        await using var images = await FixedPortImages.BuildAsync(["v1"], extraExpose: 9000);
        await using var app = await BlueGreenApp.StartAsync();

        var refused = await app.DeployAsync(images.Tag("v1"));

        Assert.True(refused.ExitCode == 1, refused.ToString());
        Assert.Contains("declares ports 8000, 9000 (EXPOSE): say which one serves HTTP with target.port in the service file.", refused.Stderr);
        Assert.Empty(await app.ContainersAsync());

        await app.ApplyOkAsync(app.Yaml("target:\n  port: 8000"));
        await app.DeployOkAsync(images.Tag("v1"));
        Assert.Equal("v1", await app.LiveVersionAsync());
    }

    /// <summary>GET /version on a new connection each, without retries, until stopped; every answer but a 200 is a failure.</summary>
    private static async Task<(int Requests, List<string> Failures, HashSet<string> Versions)> GetLoopAsync(BlueGreenApp app, CancellationToken stop)
    {
        int requests = 0;
        var failures = new List<string>();
        var versions = new HashSet<string>();
        // Bounded: a minute at most, whatever happens to the deploy.
        var deadline = DateTime.UtcNow.AddMinutes(1);
        while (!stop.IsCancellationRequested && DateTime.UtcNow < deadline)
        {
            requests++;
            try
            {
                var r = await app.GetAsync();
                if (r.Status == 200) versions.Add(r.Body.Trim());
                else failures.Add($"{r.Status}: {r.Body}");
            }
            catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException)
            {
                failures.Add(e.Message);
            }
        }
        return (requests, failures, versions);
    }
}

/// <summary>
/// Images of an ordinary web server on a fixed port: busybox's httpd serving /www on 8000
/// (EXPOSE 8000), /version answering the tag and /health "ok". Tagged in the sample repository
/// (so a service of it needs no other image line), removed at the end.
/// </summary>
internal sealed class FixedPortImages : IAsyncDisposable
{
    private readonly string _prefix = "httpd-" + Guid.NewGuid().ToString("N")[..8];
    private readonly List<string> _built = [];

    public string Tag(string version) => $"{_prefix}-{version}";

    public static Task<FixedPortImages> BuildAsync(params string[] versions) => BuildAsync(versions, port: 8000);

    /// <param name="port">The port httpd listens on in the container (and the image's EXPOSE).</param>
    public static async Task<FixedPortImages> BuildAsync(string[] versions, int port = 8000, int? extraExpose = null)
    {
        await SampleImages.EnsureAsync();
        var images = new FixedPortImages();
        var dir = Directory.CreateTempSubdirectory("baton-ft-httpd-").FullName;
        try
        {
            Directory.CreateDirectory(Path.Combine(dir, "bin"));
            File.Copy("/bin/busybox", Path.Combine(dir, "bin", "busybox"));
            foreach (var version in versions)
            {
                var www = Path.Combine(dir, "www");
                Directory.CreateDirectory(www);
                await File.WriteAllTextAsync(Path.Combine(www, "version"), version);
                await File.WriteAllTextAsync(Path.Combine(www, "health"), "ok");
                await File.WriteAllTextAsync(Path.Combine(dir, "Dockerfile"), $"""
                    FROM scratch
                    COPY bin/ /bin/
                    COPY www/ /www/
                    EXPOSE {port}{(extraExpose is { } p ? $" {p}" : "")}
                    ENTRYPOINT ["/bin/busybox", "httpd", "-f", "-p", "{port}", "-h", "/www"]
                    """);
                var image = SampleImages.Image(images.Tag(version));
                var built = await SampleImages.RunAsync("env", ["DOCKER_BUILDKIT=0", "docker", "build", "-q", "-t", image, dir], TimeSpan.FromMinutes(2));
                Assert.True(built.ExitCode == 0, built.ToString());
                images._built.Add(image);
            }
            return images;
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_built.Count > 0) await SampleImages.RunAsync("docker", ["image", "rm", "-f", .. _built], TimeSpan.FromSeconds(60));
    }
}
