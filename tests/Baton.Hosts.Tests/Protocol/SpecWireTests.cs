using System.Text.Json;
using Baton.Docker;
using Baton.Hosts.Protocol;

namespace Baton.Hosts.Tests.Protocol;

public sealed class SpecWireTests
{
    /// <summary>
    /// The fields of ContainerSpec and ContainerSettings the wire carries. A new field fails this test until it is
    /// added to SpecWire and the agent's checks (HostPolicy.CheckCreate) have decided what a host allows of it.
    /// </summary>
    [Fact]
    public void ContainerSpec_EveryFieldIsKnownToTheWire()
    {
        static string[] Names(Type t) => [.. t.GetProperties().Select(p => p.Name).Order(StringComparer.Ordinal)];

        Assert.Equal(["Cmd", "Entrypoint", "Env", "Healthcheck", "Image", "Init", "Labels", "Name", "Network", "Ports", "RestartPolicy", "Settings", "StopTimeout", "WorkingDir"], Names(typeof(ContainerSpec)));
        Assert.Equal(["ExtraHosts", "LogDriver", "LogOptions", "MemoryBytes", "NanoCpus", "StopSignal", "User", "Volumes"], Names(typeof(ContainerSettings)));
        Assert.Equal(["ContainerPort", "HostIp", "HostPort", "Protocol"], Names(typeof(PortBinding)));
    }

    [Fact]
    public void RoundTrip_EveryField_Survives()
    {
        var spec = new ContainerSpec
        {
            Image = "registry.example.com/team/web:1",
            Name = "web-blue-r3",
            Env = new Dictionary<string, string> { ["PORT"] = "8000" },
            Labels = new Dictionary<string, string> { ["baton.service"] = "web" },
            Cmd = ["serve"],
            Entrypoint = ["/app/App"],
            WorkingDir = "/app",
            Network = "shop_default",
            Ports = [new PortBinding(8000, 0)],
            StopTimeout = TimeSpan.FromSeconds(12),
            Init = true,
            RestartPolicy = "unless-stopped",
            Settings = new ContainerSettings
            {
                Volumes = ["web-data:/data"], MemoryBytes = 1 << 28, NanoCpus = 500_000_000, LogDriver = "json-file",
                LogOptions = new Dictionary<string, string> { ["max-size"] = "10m" }, User = "1000", ExtraHosts = ["db:10.0.0.5"], StopSignal = "SIGINT",
            },
            Healthcheck = new EngineHealthcheck(["CMD", "true"], TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2), 3, TimeSpan.FromSeconds(4)),
        };

        var line = HostJson.Line(new HostRequest { Op = HostOps.ContainerCreate, Spec = SpecWire.From(spec) }, HostJson.Default.HostRequest);
        var back = HostJson.ParseRequest(line.AsSpan(0, line.Length - 1), out var error)!.Spec!.ToSpec();

        Assert.Null(error);
        Assert.Equal(JsonSerializer.Serialize(SpecWire.From(spec), HostJson.Default.SpecWire), JsonSerializer.Serialize(SpecWire.From(back), HostJson.Default.SpecWire));
        Assert.Equal(spec.Settings.StopSignal, back.Settings.StopSignal);
        Assert.Equal(spec.Healthcheck!.StartPeriod, back.Healthcheck!.StartPeriod);
    }

    [Theory]
    [InlineData("""{"op":"ping","Op":"ping"}""", "'Op'")]
    [InlineData("""{"op":"container.create","spec":{"image":"x","ports":[{"containerPort":"80","hostPort":0}]}}""", "not valid JSON")]
    [InlineData("""{"op":"container.create","spec":{"image":null}}""", "not valid JSON")]
    [InlineData("""{"op":"container.create","spec":{"name":"x"}}""", "lacks the required field")]
    public void ParseRequest_Strict(string json, string expected)
    {
        Assert.Null(HostJson.ParseRequest(System.Text.Encoding.UTF8.GetBytes(json), out var error));
        Assert.Contains(expected, error, StringComparison.Ordinal);
    }
}
