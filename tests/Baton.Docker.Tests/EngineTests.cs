using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Baton.Docker.Tests;

[Collection("docker")]
public sealed class EngineTests(DockerFixture docker)
{
    [Fact]
    public async Task An_engine_that_is_not_there_is_unreachable()
    {
        var path = $"/tmp/baton-no-engine-{docker.RunId}.sock";
        var connected = await DockerEngine.ConnectAsync(DockerEndpoint.Parse($"unix://{path}"));

        Assert.False(connected.IsSuccess);
        Assert.Equal(DockerErrorKind.EngineUnreachable, connected.Error.Kind);
        Assert.Equal($"Cannot reach the Docker engine at unix://{path}: the socket file does not exist; is dockerd running?", connected.Error.Message);
    }

    [Fact]
    public async Task An_engine_that_never_answers_times_out_as_unreachable()
    {
        var path = Path.Combine(Path.GetTempPath(), $"baton-silent-{docker.RunId}.sock");
        using var silent = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        silent.Bind(new UnixDomainSocketEndPoint(path));
        silent.Listen(); // accepted by the kernel, never read: the call can only time out
        try
        {
            var connected = await DockerEngine.ConnectAsync(DockerEndpoint.Unix(path),
                new DockerEngineOptions { RequestTimeout = TimeSpan.FromMilliseconds(300) });

            Assert.Equal(DockerErrorKind.EngineUnreachable, connected.Error?.Kind);
            Assert.Equal($"The Docker engine at unix://{path} did not answer within 0.3 s when asked to read the engine version.", connected.Error!.Message);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task A_closed_tcp_port_is_unreachable()
    {
        var port = DockerFixture.FreePort();
        var connected = await DockerEngine.ConnectAsync(DockerEndpoint.Parse($"tcp://127.0.0.1:{port}"));
        Assert.Equal(DockerErrorKind.EngineUnreachable, connected.Error?.Kind);
        Assert.Contains($"tcp://127.0.0.1:{port}", connected.Error!.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_engine_behind_tcp_answers_like_the_socket()
    {
        // The engine listens only on its socket; a loopback relay stands in for dockerd -H tcp://.
        await using var relay = TcpToUnixRelay.Start(DockerEndpoint.FromEnvironment().SocketPath ?? DockerEndpoint.DefaultSocketPath);
        using var engine = (await DockerEngine.ConnectAsync(DockerEndpoint.Parse($"tcp://127.0.0.1:{relay.Port}"))).Value;

        Assert.Equal(docker.Engine.EngineVersion, engine.EngineVersion);
        var image = (await engine.Images.InspectAsync(docker.Image)).Value;
        Assert.Contains(docker.Image, image.RepoTags);
    }

    [Fact]
    public async Task An_imported_image_is_inspected_by_reference()
    {
        var image = (await docker.Engine.Images.InspectAsync(docker.Image)).Value;
        Assert.StartsWith("sha256:", image.Id, StringComparison.Ordinal);
        Assert.Contains(docker.Image, image.RepoTags);
        Assert.Empty(image.RepoDigests); // imported, never pushed or pulled
        Assert.True(image.Size > 100_000);
    }

    [Fact]
    public async Task Pulling_an_image_the_registry_lacks_is_image_not_found_and_sends_the_credentials()
    {
        await using var registry = FakeRegistry.Start("baton", "s3cret");
        // 127.0.0.0/8 registries are plain HTTP by default, so the engine talks to this loopback fake without TLS.
        var reference = $"127.0.0.1:{registry.Port}/baton/missing:{docker.RunId}";
        var progress = new List<string>();

        var pulled = await docker.Engine.Images.PullAsync(reference,
            new RegistryCredentials("baton", "s3cret", $"127.0.0.1:{registry.Port}"), new Progress<string>(progress.Add),
            TimeSpan.FromSeconds(60));

        Assert.Equal(DockerErrorKind.ImageNotFound, pulled.Error?.Kind);
        Assert.Contains(reference, pulled.Error!.Message, StringComparison.Ordinal);
        Assert.Contains("Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("baton:s3cret")), registry.AuthorizationHeaders);
        Assert.Contains(registry.Paths, p => p.StartsWith($"/v2/baton/missing/manifests/{docker.RunId}", StringComparison.Ordinal));
    }

    /// <summary>Relays each loopback TCP connection to the engine's unix socket.</summary>
    private sealed class TcpToUnixRelay : IAsyncDisposable
    {
        private readonly TcpListener listener = new(IPAddress.Loopback, 0);
        private readonly CancellationTokenSource stop = new();
        private readonly string socketPath;
        private Task? accepting;

        private TcpToUnixRelay(string socketPath) => this.socketPath = socketPath;

        public int Port => ((IPEndPoint)listener.LocalEndpoint).Port;

        public static TcpToUnixRelay Start(string socketPath)
        {
            var relay = new TcpToUnixRelay(socketPath);
            relay.listener.Start();
            relay.accepting = relay.AcceptAsync();
            return relay;
        }

        private async Task AcceptAsync()
        {
            var connections = new List<Task>();
            try
            {
                while (true)
                {
                    var client = await listener.AcceptTcpClientAsync(stop.Token);
                    connections.Add(PipeAsync(client));
                }
            }
            catch (OperationCanceledException)
            {
            }
            await Task.WhenAll(connections);
        }

        private async Task PipeAsync(TcpClient client)
        {
            using (client)
            using (var engine = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified))
            {
                await engine.ConnectAsync(new UnixDomainSocketEndPoint(socketPath));
                await using var engineStream = new NetworkStream(engine);
                var clientStream = client.GetStream();
                var up = clientStream.CopyToAsync(engineStream, stop.Token);
                var down = engineStream.CopyToAsync(clientStream, stop.Token);
                try
                {
                    await Task.WhenAny(up, down);
                }
                catch (Exception)
                {
                    // One side closed: the relayed connection is over.
                }
            }
        }

        public async ValueTask DisposeAsync()
        {
            await stop.CancelAsync();
            listener.Stop();
            if (accepting is not null) await accepting;
            stop.Dispose();
        }
    }

    /// <summary>
    /// Just enough of a registry (API v2) to reject a pull: it asks for Basic credentials, records what it is sent,
    /// and knows no manifest.
    /// </summary>
    private sealed class FakeRegistry : IAsyncDisposable
    {
        private readonly HttpListener listener = new();
        private readonly string expected;
        private Task? serving;

        private FakeRegistry(int port, string user, string password)
        {
            Port = port;
            expected = "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}"));
            listener.Prefixes.Add($"http://127.0.0.1:{port}/");
        }

        public int Port { get; }

        public List<string> AuthorizationHeaders { get; } = [];

        public List<string> Paths { get; } = [];

        public static FakeRegistry Start(string user, string password)
        {
            var registry = new FakeRegistry(DockerFixture.FreePort(), user, password);
            registry.listener.Start();
            registry.serving = registry.ServeAsync();
            return registry;
        }

        private async Task ServeAsync()
        {
            while (listener.IsListening)
            {
                HttpListenerContext context;
                try
                {
                    context = await listener.GetContextAsync();
                }
                catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
                {
                    return;
                }
                var auth = context.Request.Headers["Authorization"];
                lock (AuthorizationHeaders)
                {
                    Paths.Add(context.Request.Url!.AbsolutePath);
                    if (auth is not null) AuthorizationHeaders.Add(auth);
                }
                var response = context.Response;
                response.Headers["Docker-Distribution-API-Version"] = "registry/2.0";
                response.ContentType = "application/json";
                string body;
                if (auth != expected)
                {
                    response.StatusCode = 401;
                    response.Headers["WWW-Authenticate"] = "Basic realm=\"baton-test\"";
                    body = """{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}""";
                }
                else if (context.Request.Url!.AbsolutePath is "/v2/" or "/v2")
                {
                    body = "{}";
                }
                else
                {
                    response.StatusCode = 404;
                    body = """{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown"}]}""";
                }
                var bytes = Encoding.UTF8.GetBytes(body);
                response.ContentLength64 = bytes.Length;
                if (context.Request.HttpMethod != "HEAD") await response.OutputStream.WriteAsync(bytes);
                response.Close();
            }
        }

        public async ValueTask DisposeAsync()
        {
            listener.Stop();
            if (serving is not null) await serving;
            listener.Close();
        }
    }
}
