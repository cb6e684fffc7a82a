using Baton.Packaging.Tests.Infrastructure;

namespace Baton.Packaging.Tests;

/// <summary>
/// The image baton:VERSION of scripts/package.sh on the test engine: by default it runs
/// <c>baton server</c> as its own user with its data on a volume and no engine socket; with the
/// socket mounted (the user's explicit choice) it deploys the sample app.
/// </summary>
[Collection(PackageCollection.Name)]
public sealed class ImageTests(PackageFixture package)
{
    private const string SampleRepository = "127.0.0.1:5000/baton-sample";

    [Fact]
    public async Task Image_Default_ServesAsItsOwnUserWithoutTheEngineSocket()
    {
        var name = $"baton-pkg-{Guid.NewGuid():N}"[..20];
        try
        {
            var run = await Docker("run", "-d", "--name", name, package.Image);
            Assert.True(run.ExitCode == 0, run.ToString());
            // The CLI inside finds the server and its token through BATON_DATA=/var/lib/baton.
            var status = await UntilAsync(() => Docker("exec", name, "baton", "status"), TimeSpan.FromSeconds(60));
            Assert.True(status.ExitCode == 0, $"{status}\n{(await Docker("logs", name)).Stdout}");
            Assert.Equal("10001:10001", (await Docker("inspect", "-f", "{{.Config.User}}", name)).Stdout.Trim());
            Assert.Equal("/var/lib/baton", (await Docker("inspect", "-f", "{{range .Mounts}}{{.Destination}}{{end}}", name)).Stdout.Trim());
            Assert.Equal(0, (await Docker("exec", name, "ls", "/var/lib/baton/admin-token")).ExitCode);
            Assert.StartsWith("drwx------", (await Docker("exec", name, "ls", "-ld", "/var/lib/baton")).Stdout, StringComparison.Ordinal);
            Assert.NotEqual(0, (await Docker("exec", name, "ls", "/var/run/docker.sock")).ExitCode);
            Assert.Contains($"baton {package.Version} (commit {package.Commit})", (await Docker("exec", name, "baton", "--version")).Stdout, StringComparison.Ordinal);
        }
        finally
        {
            await Docker("rm", "-f", "-v", name);
        }
    }

    [Fact]
    public async Task Image_WithEngineSocket_DeploysTheSampleApp()
    {
        await EnsureSampleImageAsync();
        var id = Guid.NewGuid().ToString("N")[..8];
        var name = $"baton-pkg-{id}";
        var service = $"pkgweb{id}";
        var volume = $"{name}-data";
        var folder = Directory.CreateTempSubdirectory("baton-image-").FullName;
        int publicPort = RunningProgram.FreePort(), adminPort = RunningProgram.FreePort(), stagingPort = RunningProgram.FreePort();
        try
        {
            var group = (await Tool.RunAsync("stat", ["-c", "%g", "/var/run/docker.sock"], TimeSpan.FromSeconds(10))).Stdout.Trim();
            // The host's network: the containers Baton starts publish their ports on the host's 127.0.0.1.
            var run = await Docker("run", "-d", "--name", name, "--network", "host", "--group-add", group,
                "-v", "/var/run/docker.sock:/var/run/docker.sock", "-v", $"{volume}:/var/lib/baton", package.Image,
                "server", "--data", "/var/lib/baton", "--listen", $"127.0.0.1:{publicPort}", "--listen-staging", $"127.0.0.1:{stagingPort}",
                "--admin", $"127.0.0.1:{adminPort}");
            Assert.True(run.ExitCode == 0, run.ToString());
            await UntilHealthyAsync(name, new Uri($"http://127.0.0.1:{adminPort}/healthz"));
            var token = (await Docker("exec", name, "cat", "/var/lib/baton/admin-token")).Stdout.Trim();
            var env = new Dictionary<string, string?> { ["BATON_URL"] = $"http://127.0.0.1:{adminPort}", ["BATON_TOKEN"] = token };

            var file = Path.Combine(folder, "baton.yml");
            await File.WriteAllTextAsync(file, $"""
                service: {service}
                image: {SampleRepository}
                hosts: [{service}.test]
                health:
                  path: /health
                  interval: 500ms
                deploy_timeout: 60s
                stop_timeout: 5s
                """);
            var apply = await Tool.RunAsync(package.Binary, ["apply", "-f", file], TimeSpan.FromMinutes(1), env);
            Assert.True(apply.ExitCode == 0, apply.ToString());
            var deploy = await Tool.RunAsync(package.Binary, ["deploy", service, "--image", $"{SampleRepository}:v1", "--watch", "0s"], TimeSpan.FromMinutes(2), env);
            Assert.True(deploy.ExitCode == 0, $"{deploy}\n{(await Docker("logs", name)).Stdout}");

            using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { Timeout = TimeSpan.FromSeconds(10) };
            using var request = new HttpRequestMessage(HttpMethod.Get, $"http://127.0.0.1:{publicPort}/version");
            request.Headers.Host = $"{service}.test";
            using var response = await http.SendAsync(request);
            Assert.Equal("v1", (await response.Content.ReadAsStringAsync()).Trim());
        }
        finally
        {
            await Docker("rm", "-f", name);
            var left = (await Docker("ps", "-aq", "--filter", $"label=baton.service={service}")).Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            if (left.Length > 0) await Docker(["rm", "-f", .. left]);
            await Docker("volume", "rm", "-f", volume);
            Directory.Delete(folder, recursive: true);
        }
    }

    private static Task<ToolResult> Docker(params string[] args) => Tool.RunAsync("docker", args, TimeSpan.FromMinutes(2));

    private static async Task<ToolResult> UntilAsync(Func<Task<ToolResult>> attempt, TimeSpan limit)
    {
        var deadline = DateTime.UtcNow + limit;
        while (true)
        {
            var result = await attempt();
            if (result.ExitCode == 0 || DateTime.UtcNow > deadline) return result;
            await Task.Delay(250);
        }
    }

    private static async Task UntilHealthyAsync(string container, Uri url)
    {
        using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (true)
        {
            try
            {
                using var response = await http.GetAsync(url);
                if (response.IsSuccessStatusCode) return;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
            }
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"{url} did not answer within 60 s: {(await Docker("logs", container)).Stdout}{(await Docker("logs", container)).Stderr}");
            await Task.Delay(200);
        }
    }

    /// <summary>test.sh builds the sample images; `dotnet test` alone builds v1 when it is missing.</summary>
    private static async Task EnsureSampleImageAsync()
    {
        if ((await Docker("image", "inspect", $"{SampleRepository}:v1")).ExitCode == 0) return;
        var built = await Tool.RunAsync("bash", [Path.Combine(PackageFixture.RepositoryRoot, "scripts", "build-sample-image.sh"), SampleRepository, "v1"], TimeSpan.FromMinutes(5));
        Assert.True(built.ExitCode == 0, built.ToString());
    }
}
