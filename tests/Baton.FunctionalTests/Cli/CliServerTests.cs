using System.Net;
using System.Net.Sockets;
using Baton.FunctionalTests.Infrastructure;

namespace Baton.FunctionalTests.Cli;

/// <summary><c>baton server</c> run as a process.</summary>
public sealed class CliServerTests
{
    [Theory]
    [InlineData("--listen", "public")]
    [InlineData("--admin", "admin")]
    [InlineData("--listen-staging", "staging")]
    public async Task Server_PortInUse_OneSentenceNamesTheListenerNonZeroExit(string which, string name)
    {
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var port = ((IPEndPoint)taken.LocalEndpoint).Port;
        var addresses = new Dictionary<string, string> { ["--listen"] = "127.0.0.1:0", ["--admin"] = "127.0.0.1:0", ["--listen-staging"] = "127.0.0.1:0" };
        addresses[which] = $"127.0.0.1:{port}";
        var result = await RunServerAsync(addresses.SelectMany(a => new[] { a.Key, a.Value }).ToArray());
        Assert.NotEqual(0, result.ExitCode);
        BatonCli.AssertOneSentence(result);
        Assert.Contains($"The {name} address 127.0.0.1:{port} is already in use", result.Stderr);
        Assert.DoesNotContain("fail:", result.Stdout);
    }

    [Theory]
    [InlineData(":0", null, "The staging listener :0 is not on a loopback address: give --staging-allow")]
    [InlineData("10.200.0.1:0", null, "The staging listener 10.200.0.1:0 is not on a loopback address")]
    [InlineData("127.0.0.1:0", "10.0.0.0/8,nonsense", "'nonsense' in --staging-allow is not a network")]
    [InlineData("none", "10.0.0.0/8", "--staging-allow needs a staging listener")]
    [InlineData("somewhere", null, "Listen address 'somewhere' is not [HOST]:PORT")]
    public async Task Server_StagingListenerItCannotHonour_RefusedInOneSentence(string staging, string? allow, string expected)
    {
        string[] args = ["--listen", "127.0.0.1:0", "--admin", "127.0.0.1:0", "--listen-staging", staging];
        if (allow is not null) args = [.. args, "--staging-allow", allow];
        var result = await RunServerAsync(args);
        Assert.NotEqual(0, result.ExitCode);
        BatonCli.AssertOneSentence(result);
        Assert.Contains(expected, result.Stderr);
    }

    private static async Task<CliResult> RunServerAsync(string[] listeners)
    {
        var data = RouterHost.NewDataDirectory();
        try
        {
            return await BatonCli.RunAsync(new Dictionary<string, string?>(), ["server", .. listeners, "--data", data, "--log-level", "warning"], TimeSpan.FromSeconds(30));
        }
        finally
        {
            Directory.Delete(data, recursive: true);
        }
    }
}
