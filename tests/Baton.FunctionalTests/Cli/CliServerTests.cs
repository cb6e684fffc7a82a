using System.Net;
using System.Net.Sockets;
using Baton.FunctionalTests.Infrastructure;

namespace Baton.FunctionalTests.Cli;

/// <summary><c>baton server</c> run as a process.</summary>
public sealed class CliServerTests
{
    [Theory]
    [InlineData("--listen")]
    [InlineData("--admin")]
    public async Task Server_PortInUse_OneSentenceNonZeroExit(string which)
    {
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var port = ((IPEndPoint)taken.LocalEndpoint).Port;
        var data = RouterHost.NewDataDirectory();
        try
        {
            string[] args = which == "--listen"
                ? ["server", "--listen", $"127.0.0.1:{port}", "--admin", "127.0.0.1:0", "--data", data, "--log-level", "warning"]
                : ["server", "--listen", "127.0.0.1:0", "--admin", $"127.0.0.1:{port}", "--data", data, "--log-level", "warning"];
            var result = await BatonCli.RunAsync(new Dictionary<string, string?>(), args, TimeSpan.FromSeconds(30));
            Assert.NotEqual(0, result.ExitCode);
            BatonCli.AssertOneSentence(result);
            Assert.Contains($"127.0.0.1:{port} is already in use", result.Stderr);
            Assert.DoesNotContain("fail:", result.Stdout);
        }
        finally
        {
            Directory.Delete(data, recursive: true);
        }
    }
}
