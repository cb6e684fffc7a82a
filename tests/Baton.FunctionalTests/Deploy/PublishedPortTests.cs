using System.Net;
using System.Net.Sockets;
using Baton.Deploy;
using Baton.Deploy.ServiceFile;
using Baton.Docker;
using Baton.FunctionalTests.Infrastructure;

namespace Baton.FunctionalTests.Deploy;

/// <summary>
/// A network-mode container's published port, taken by another process between Baton's choice and
/// the engine's bind: the engine refuses the start, and Baton offers the container another port
/// instead of failing the deploy (never the taken one: the engine must bind what it publishes).
/// </summary>
public sealed class PublishedPortTests
{
    [Fact]
    public async Task PortTakenMeanwhile_AnotherPortIsPublished_NeverTheTakenOne()
    {
        var network = "baton-ft-pub-" + Guid.NewGuid().ToString("N")[..8];
        var created = await SampleImages.RunAsync("docker", ["network", "create", "--subnet", "10.200.253.0/24", network], TimeSpan.FromSeconds(30));
        Assert.True(created.ExitCode == 0, created.ToString());
        using var squatter = new TcpListener(IPAddress.Loopback, 0);
        squatter.Start();
        int taken = ((IPEndPoint)squatter.LocalEndpoint).Port;
        int free = ServerProcess.FreePort();
        var offered = new Queue<int>([taken, free]);
        var connected = await DockerEngine.ConnectAsync(DockerEndpoint.FromEnvironment());
        Assert.True(connected.TryGetValue(out var engine, out var error), error?.Message);
        var service = "pub-" + Guid.NewGuid().ToString("N")[..8];
        var containers = new ReleaseContainers(engine, () => offered.Dequeue());
        try
        {
            var def = ServiceFileParser.Parse($"service: {service}\nimage: {SampleImages.Repository}\ntarget:\n  mode: network\n  network: {network}\n  port: 8080\n").Definition!;

            var started = await containers.StartWebAsync(def, "r1", "blue", SampleImages.Image("v1"), SampleImages.Image("v1"), CancellationToken.None);

            Assert.True(started.TryGetValue(out var web, out var startError), startError?.Message);
            Assert.Equal($"127.0.0.1:{free}", Assert.Single(web).Target);
            Assert.Empty(offered);
            var port = await SampleImages.RunAsync("docker", ["port", web[0].Id, "8080/tcp"], TimeSpan.FromSeconds(30));
            Assert.Equal($"127.0.0.1:{free}", port.Stdout.Trim());
        }
        finally
        {
            var left = await containers.ListAsync(service, CancellationToken.None);
            if (left.IsSuccess) await containers.RemoveAsync(left.Value, CancellationToken.None);
            engine.Dispose();
            await SampleImages.RunAsync("docker", ["network", "rm", network], TimeSpan.FromSeconds(30));
        }
    }
}
