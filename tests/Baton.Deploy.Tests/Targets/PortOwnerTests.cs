using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Baton.Deploy.Targets;

namespace Baton.Deploy.Tests.Targets;

/// <summary>The host-mode port check against this machine's real /proc: real listeners, real processes.</summary>
public sealed class PortOwnerTests
{
    [Fact]
    public void Check_PortHeldByTheProcess_Container()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;

        Assert.Equal(PortHolder.Container, PortOwner.Check(port, Environment.ProcessId));
    }

    [Fact]
    public void Check_PortHeldBySomeoneElse_Other()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        using var other = Process.Start(new ProcessStartInfo("sleep", "30") { UseShellExecute = false })!;
        try
        {
            Assert.Equal(PortHolder.Other, PortOwner.Check(port, other.Id));
            Assert.Equal(PortHolder.Other, PortOwner.Check(port, 0)); // the container is not running
        }
        finally
        {
            other.Kill();
            other.WaitForExit();
        }
    }

    [Fact]
    public void Check_NobodyListens_Unknown()
    {
        int port;
        using (var probe = new TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            port = ((IPEndPoint)probe.LocalEndpoint).Port;
        }
        Assert.Equal(PortHolder.Unknown, PortOwner.Check(port, Environment.ProcessId));
    }

    [Fact]
    public void Next_PicksBelowTheEphemeralRange_AndNeverTheSameTwiceInARow()
    {
        var ports = Enumerable.Range(0, 50).Select(_ => HostPorts.Next()).ToList();
        Assert.All(ports, p => Assert.InRange(p, HostPorts.First, HostPorts.Last));
        Assert.Equal(ports.Count, ports.Distinct().Count());
    }
}
