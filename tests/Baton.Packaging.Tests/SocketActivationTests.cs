using System.Net;
using System.Net.Sockets;
using System.Text;
using Baton.Packaging.Tests.Infrastructure;

namespace Baton.Packaging.Tests;

/// <summary>
/// The packaged binary under systemd's socket activation (packaging/baton-public.socket and
/// baton-staging.socket): it serves on the sockets it is given, and a connection made while it is
/// stopped waits in the socket's queue and is answered by the next one — a restart of the unit
/// refuses nothing.
/// </summary>
[Collection(PackageCollection.Name)]
public sealed class SocketActivationTests(PackageFixture package)
{
    [Fact]
    public async Task SystemdSockets_ServedAndHeldAcrossRestart_QueuedConnectionAnswered()
    {
        var data = Directory.CreateTempSubdirectory("baton-activated-").FullName;
        await using var backend = await Backend.StartAsync("from the backend");
        using var sockets = new ActivatedSockets("public", "staging");
        var publicEndPoint = sockets.EndPoint("public");
        var stagingEndPoint = sockets.EndPoint("staging");
        int adminPort = RunningProgram.FreePort();
        string[] args = ["server", "--data", data, "--listen", publicEndPoint.ToString(), "--listen-staging", stagingEndPoint.ToString(),
            "--admin", $"127.0.0.1:{adminPort}", "--shutdown-timeout", "5s"];
        var admin = new Uri($"http://127.0.0.1:{adminPort}/healthz");
        try
        {
            await using (var first = sockets.Start(package.Binary, args))
            {
                await first.WaitForAsync(admin, TimeSpan.FromSeconds(60));
                Assert.Contains($"public   http://{publicEndPoint}", first.Output, StringComparison.Ordinal);
                var token = (await File.ReadAllTextAsync(Path.Combine(data, "admin-token"))).Trim();
                var deploy = await Tool.RunAsync(package.Binary, ["deploy", "api", "--target", backend.Address, "--host", "api.test"], TimeSpan.FromMinutes(1),
                    new Dictionary<string, string?> { ["BATON_URL"] = $"http://127.0.0.1:{adminPort}", ["BATON_TOKEN"] = token });
                Assert.True(deploy.ExitCode == 0, deploy.ToString());

                Assert.Equal((200, backend.Body), await GetAsync(publicEndPoint, "api.test"));
                // The staging listener is the socket given for it: only the test and Baton hold it.
                var (stagingStatus, _) = await GetAsync(stagingEndPoint, "unknown.test");
                Assert.Equal(404, stagingStatus);
                Assert.Equal(0, await first.TerminateAsync());
            }

            // Baton is stopped; systemd (here the test) still holds the socket: the kernel queues this connection.
            using var waiting = new TcpClient();
            await waiting.ConnectAsync(publicEndPoint);
            var stream = waiting.GetStream();
            await stream.WriteAsync(Encoding.ASCII.GetBytes("GET / HTTP/1.1\r\nHost: api.test\r\nConnection: close\r\n\r\n"));

            await using var second = sockets.Start(package.Binary, args);
            using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            var answer = await new StreamReader(stream, Encoding.ASCII).ReadToEndAsync(limit.Token);
            Assert.StartsWith("HTTP/1.1 200", answer, StringComparison.Ordinal);
            Assert.Contains(backend.Body, answer, StringComparison.Ordinal);
            Assert.Equal(0, await second.TerminateAsync());
        }
        finally
        {
            Directory.Delete(data, recursive: true);
        }
    }

    [Theory]
    [InlineData("bogus", "systemd passed a socket named 'bogus'")]
    [InlineData("admin", "systemd passed a socket for the admin listener, which this command does not run")]
    public async Task SystemdSockets_UnknownName_RefusedInOneSentence(string name, string expected)
    {
        var data = Directory.CreateTempSubdirectory("baton-activated-").FullName;
        using var sockets = new ActivatedSockets("public", name);
        var publicEndPoint = sockets.EndPoint("public");
        try
        {
            // `baton router run` has no admin listener, so a socket for it is one too many.
            await using var refused = sockets.Start(package.Binary, "router", "run", "--data", data, "--listen", publicEndPoint.ToString(),
                "--listen-staging", $"127.0.0.1:{RunningProgram.FreePort()}");
            Assert.Equal(2, await refused.WaitForExitAsync());
            Assert.Contains(expected, refused.Output, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(data, recursive: true);
        }
    }

    [Fact]
    public async Task SystemdSockets_AddressDiffersFromFlag_Refused()
    {
        var data = Directory.CreateTempSubdirectory("baton-activated-").FullName;
        using var sockets = new ActivatedSockets("public");
        var publicEndPoint = sockets.EndPoint("public");
        int other = RunningProgram.FreePort();
        try
        {
            await using var refused = sockets.Start(package.Binary, "server", "--data", data, "--listen", $"127.0.0.1:{other}",
                "--listen-staging", "none", "--admin", $"127.0.0.1:{RunningProgram.FreePort()}");
            Assert.Equal(2, await refused.WaitForExitAsync());
            Assert.Contains($"error: systemd passed the public socket bound to {publicEndPoint}, but --listen is 127.0.0.1:{other}; give both the same address.", refused.Output, StringComparison.Ordinal);
            // Nothing listens on the address the flag named.
            using var probe = new TcpClient();
            await Assert.ThrowsAnyAsync<SocketException>(() => probe.ConnectAsync(IPAddress.Loopback, other));
        }
        finally
        {
            Directory.Delete(data, recursive: true);
        }
    }

    /// <summary>One request on a new connection: its status and body.</summary>
    private static async Task<(int Status, string Body)> GetAsync(IPEndPoint endPoint, string host)
    {
        using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { Timeout = TimeSpan.FromSeconds(10) };
        using var request = new HttpRequestMessage(HttpMethod.Get, $"http://{endPoint}/");
        request.Headers.Host = host;
        using var response = await http.SendAsync(request);
        return ((int)response.StatusCode, await response.Content.ReadAsStringAsync());
    }
}
