using System.Net;
using System.Text;
using System.Text.Json;

namespace Baton.Docker.Tests;

public sealed class UnitTests
{
    [Theory]
    [InlineData("unix:///var/run/docker.sock", "/var/run/docker.sock", null, 0)]
    [InlineData("tcp://127.0.0.1:2376", null, "127.0.0.1", 2376)]
    [InlineData("tcp://docker.internal:2375/", null, "docker.internal", 2375)]
    [InlineData("tcp://[::1]:2376", null, "::1", 2376)]
    public void Endpoints_parse(string address, string? socket, string? host, int port)
    {
        var endpoint = DockerEndpoint.Parse(address);
        Assert.Equal(socket, endpoint.SocketPath);
        Assert.Equal(host, endpoint.Host);
        Assert.Equal(port, endpoint.Port);
        Assert.Null(endpoint.Tls);
    }

    [Theory]
    [InlineData("/var/run/docker.sock")]
    [InlineData("unix://relative.sock")]
    [InlineData("tcp://host")]
    [InlineData("tcp://host:0")]
    [InlineData("http://host:2375")]
    [InlineData("npipe:////./pipe/docker_engine")]
    public void Bad_endpoints_are_refused_with_the_address_in_the_message(string address)
    {
        var error = Assert.Throws<FormatException>(() => DockerEndpoint.Parse(address));
        Assert.Contains(address, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Tls_files_follow_the_docker_cli_layout()
    {
        var endpoint = DockerEndpoint.Parse("tcp://10.0.0.1:2376", DockerTls.FromFolder("/certs"));
        Assert.Equal(new DockerTls("/certs/ca.pem", "/certs/cert.pem", "/certs/key.pem"), endpoint.Tls);
    }

    [Fact]
    public void Log_frames_are_demultiplexed_in_order()
    {
        static byte[] Frame(byte stream, string text)
        {
            var payload = Encoding.UTF8.GetBytes(text);
            var frame = new byte[8 + payload.Length];
            frame[0] = stream;
            System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(4), (uint)payload.Length);
            payload.CopyTo(frame, 8);
            return frame;
        }
        byte[] data = [.. Frame(1, "out 1\n"), .. Frame(2, "err é\n"), .. Frame(1, ""), .. Frame(1, "out 2\npartial")];

        Assert.Equal("out 1\nerr é\nout 2\npartial", Encoding.UTF8.GetString(LogFrames.Demultiplex(data)));
        // A frame cut short by the end of the answer keeps the bytes that arrived.
        Assert.Equal("out 1\ner", Encoding.UTF8.GetString(LogFrames.Demultiplex(data.AsSpan(0, 14 + 10))));
    }

    [Theory]
    [InlineData("web", "web", "latest")]
    [InlineData("web:1.2", "web", "1.2")]
    [InlineData("127.0.0.1:5000/team/web", "127.0.0.1:5000/team/web", "latest")]
    [InlineData("127.0.0.1:5000/team/web:2", "127.0.0.1:5000/team/web", "2")]
    [InlineData("web@sha256:abc", "web", "sha256:abc")]
    public void Image_references_split_into_name_and_tag(string reference, string name, string tag) =>
        Assert.Equal((name, tag), Images.SplitReference(reference));

    [Fact]
    public void Registry_credentials_are_base64url_json()
    {
        var header = new RegistryCredentials("me", "p>?", "registry:5000").ToHeader();
        Assert.DoesNotContain('+', header);
        Assert.DoesNotContain('/', header);
        var json = JsonDocument.Parse(Convert.FromBase64String(header.Replace('-', '+').Replace('_', '/'))).RootElement;
        Assert.Equal("me", json.GetProperty("username").GetString());
        Assert.Equal("p>?", json.GetProperty("password").GetString());
        Assert.Equal("registry:5000", json.GetProperty("serveraddress").GetString());
    }

    [Fact]
    public void Container_settings_reach_the_engine_as_docker_run_sets_them()
    {
        var spec = new ContainerSpec
        {
            Image = "web:1",
            Settings = new ContainerSettings
            {
            Volumes = ["data:/data", "/srv/conf:/conf:ro"],
            MemoryBytes = 268435456,
            NanoCpus = 500_000_000,
            LogDriver = "json-file",
            LogOptions = new Dictionary<string, string> { ["max-size"] = "10m" },
            User = "65534:65534",
            ExtraHosts = ["db.internal:10.200.0.5"],
            StopSignal = "SIGINT",
            },
        };
        var json = JsonDocument.Parse(JsonSerializer.Serialize(spec.ToWire(), DockerJson.Default.CreateContainerRequest)).RootElement;
        var host = json.GetProperty("HostConfig");
        Assert.Equal(["data:/data", "/srv/conf:/conf:ro"], host.GetProperty("Binds").EnumerateArray().Select(e => e.GetString()!));
        Assert.Equal(268435456, host.GetProperty("Memory").GetInt64());
        Assert.Equal(500_000_000, host.GetProperty("NanoCpus").GetInt64());
        Assert.Equal("json-file", host.GetProperty("LogConfig").GetProperty("Type").GetString());
        Assert.Equal("10m", host.GetProperty("LogConfig").GetProperty("Config").GetProperty("max-size").GetString());
        Assert.Equal(["db.internal:10.200.0.5"], host.GetProperty("ExtraHosts").EnumerateArray().Select(e => e.GetString()!));
        Assert.Equal("65534:65534", json.GetProperty("User").GetString());
        Assert.Equal("SIGINT", json.GetProperty("StopSignal").GetString());
    }

    [Theory]
    [InlineData(HttpStatusCode.NotFound, "No such image: web:9", DockerErrorKind.ImageNotFound)]
    [InlineData(HttpStatusCode.NotFound, "No such container: web-1", DockerErrorKind.ContainerNotFound)]
    [InlineData(HttpStatusCode.Conflict, "Conflict. The container name \"/web-1\" is already in use by container \"abc\".", DockerErrorKind.NameInUse)]
    [InlineData(HttpStatusCode.Conflict, "You cannot remove a running container abc.", DockerErrorKind.Conflict)]
    [InlineData(HttpStatusCode.InternalServerError, "Bind for 0.0.0.0:8080 failed: port is already allocated", DockerErrorKind.PortInUse)]
    [InlineData(HttpStatusCode.InternalServerError, "listen tcp4 127.0.0.1:80: bind: address already in use", DockerErrorKind.PortInUse)]
    [InlineData(HttpStatusCode.NotFound, "manifest for r:5000/web:1 not found: manifest unknown: manifest unknown", DockerErrorKind.ImageNotFound)]
    [InlineData(HttpStatusCode.InternalServerError, "something else broke", DockerErrorKind.Engine)]
    public void Engine_errors_map_to_kinds_and_one_sentence(HttpStatusCode status, string message, DockerErrorKind kind)
    {
        var error = DockerEngine.MapError(status, message, "start container web-1");
        Assert.Equal(kind, error.Kind);
        Assert.StartsWith("Could not start container web-1: ", error.Message, StringComparison.Ordinal);
        Assert.EndsWith(".", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("..", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("network shop-net not found")]
    [InlineData("network shop-net not found.")]
    public void Missing_network_is_its_own_kind_not_a_missing_image(string message)
    {
        var error = DockerEngine.MapError(HttpStatusCode.NotFound, message, "create container web-1");
        Assert.Equal(DockerErrorKind.NetworkNotFound, error.Kind);
        Assert.Equal("There is no Docker network named shop-net (create it with `docker network create shop-net`, or name another in target.network).", error.Message);
    }

    [Fact]
    public void A_spec_becomes_the_engines_create_body()
    {
        var spec = new ContainerSpec
        {
            Image = "web:1",
            Name = "web-1",
            Env = new Dictionary<string, string> { ["A"] = "1" },
            Labels = new Dictionary<string, string> { ["baton.service"] = "web" },
            Cmd = ["serve"],
            Ports = [new PortBinding(8080, 18080)],
            StopTimeout = TimeSpan.FromSeconds(2.5),
            Init = true,
            Network = "baton",
        };
        var json = JsonDocument.Parse(JsonSerializer.Serialize(spec.ToWire(), DockerJson.Default.CreateContainerRequest)).RootElement;

        Assert.Equal("web:1", json.GetProperty("Image").GetString());
        Assert.Equal("A=1", json.GetProperty("Env")[0].GetString());
        Assert.Equal("web", json.GetProperty("Labels").GetProperty("baton.service").GetString());
        Assert.Equal(3, json.GetProperty("StopTimeout").GetInt32());
        Assert.Equal(JsonValueKind.Object, json.GetProperty("ExposedPorts").GetProperty("8080/tcp").ValueKind);
        var host = json.GetProperty("HostConfig");
        Assert.True(host.GetProperty("Init").GetBoolean());
        Assert.Equal("baton", host.GetProperty("NetworkMode").GetString());
        var binding = host.GetProperty("PortBindings").GetProperty("8080/tcp")[0];
        Assert.Equal("127.0.0.1", binding.GetProperty("HostIp").GetString());
        Assert.Equal("18080", binding.GetProperty("HostPort").GetString());
        Assert.False(json.TryGetProperty("Entrypoint", out _));
    }
}
