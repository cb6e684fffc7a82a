using System.Net;
using System.Net.Http.Headers;
using Baton.Packaging.Tests.Infrastructure;

namespace Baton.Packaging.Tests;

/// <summary>The single-file binary of scripts/package.sh, copied alone into an empty folder, on a machine where .NET cannot be found.</summary>
[Collection(PackageCollection.Name)]
public sealed class BinaryTests(PackageFixture package)
{
    [Fact]
    public async Task Binary_CleanFolderWithoutDotnet_PrintsVersionAndServes()
    {
        var folder = Directory.CreateTempSubdirectory("baton-clean-").FullName;
        try
        {
            var baton = Path.Combine(folder, "baton");
            File.Copy(package.Binary, baton);
            File.SetUnixFileMode(baton, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);

            // The setting itself: no dotnet to be found (so the test proves something).
            var dotnet = await NoDotnet.RunAsync(folder, "/bin/sh", "-c", "dotnet --version");
            Assert.NotEqual(0, dotnet.ExitCode);

            var version = await NoDotnet.RunAsync(folder, baton, "--version");
            Assert.True(version.ExitCode == 0, version.ToString());
            Assert.Equal($"baton {package.Version} (commit {package.Commit})", version.Stdout.Trim());

            int publicPort = RunningProgram.FreePort(), adminPort = RunningProgram.FreePort(), stagingPort = RunningProgram.FreePort();
            var data = Path.Combine(folder, "data");
            await using var server = NoDotnet.Start(folder, baton, "server", "--data", data, "--listen", $"127.0.0.1:{publicPort}",
                "--admin", $"127.0.0.1:{adminPort}", "--listen-staging", $"127.0.0.1:{stagingPort}", "--shutdown-timeout", "5s");
            await server.WaitForAsync(new Uri($"http://127.0.0.1:{adminPort}/healthz"), TimeSpan.FromSeconds(60));

            var token = (await File.ReadAllTextAsync(Path.Combine(data, "admin-token"))).Trim();
            using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { Timeout = TimeSpan.FromSeconds(10) };
            using (var request = new HttpRequestMessage(HttpMethod.Get, $"http://127.0.0.1:{adminPort}/api/status"))
            {
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
                using var status = await http.SendAsync(request);
                Assert.Equal(HttpStatusCode.OK, status.StatusCode);
            }
            // The router's public listener answers too (no service for this host yet).
            using (var proxied = await http.GetAsync($"http://127.0.0.1:{publicPort}/"))
                Assert.Equal(HttpStatusCode.NotFound, proxied.StatusCode);
            // The same file is the CLI.
            var cli = await NoDotnet.RunAsync(folder, baton, "status", "--server", $"http://127.0.0.1:{adminPort}", "--token", token);
            Assert.True(cli.ExitCode == 0, cli.ToString());

            // SQLite's native library was unpacked under HOME (DOTNET_BUNDLE_EXTRACT_BASE_DIR's default), nowhere else.
            Assert.True(Directory.Exists(Path.Combine(folder, ".net", "baton")), "nothing unpacked under $HOME/.net/baton");
            Assert.Equal(0, await server.TerminateAsync());
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
