using Baton.Packaging.Tests.Infrastructure;
using Baton.Server;
using Baton.Server.Supervision;

namespace Baton.Packaging.Tests;

/// <summary>packaging/baton.service and its socket units: valid for systemd, and in agreement with what Baton accepts.</summary>
[Collection(PackageCollection.Name)]
public sealed class UnitFileTests(PackageFixture package)
{
    private static readonly string Packaging = Path.Combine(PackageFixture.RepositoryRoot, "packaging");
    private static readonly string[] Units = ["baton.service", "baton-public.socket", "baton-staging.socket"];

    [Fact]
    public async Task Units_SystemdAnalyzeVerify_NoComplaint()
    {
        var analyze = File.Exists("/usr/bin/systemd-analyze") ? "/usr/bin/systemd-analyze"
            : throw new InvalidOperationException("systemd-analyze is missing: ./test.sh installs it (scripts/lib.sh require_systemd_analyze), or apt-get install systemd.");
        var folder = Directory.CreateTempSubdirectory("baton-units-").FullName;
        try
        {
            // The units as shipped, but for the program's path: verify checks that ExecStart's program exists,
            // and this machine has the packaged binary in the test's folder, not in /usr/local/bin.
            foreach (var unit in Units)
                await File.WriteAllTextAsync(Path.Combine(folder, unit),
                    (await File.ReadAllTextAsync(Path.Combine(Packaging, unit))).Replace("/usr/local/bin/baton", package.Binary, StringComparison.Ordinal));
            var verify = await Tool.RunAsync(analyze, ["verify", .. Units.Select(u => Path.Combine(folder, u))], TimeSpan.FromMinutes(1), workingDirectory: folder);
            // verify exits 0 even for an unknown key; it says so on stderr.
            Assert.True(verify.ExitCode == 0 && verify.Stdout.Trim().Length == 0 && verify.Stderr.Trim().Length == 0, verify.ToString());
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void Units_EachSocketNamedForItsListener_AtTheAddressExecStartGives()
    {
        var service = Read("baton.service");
        var execStart = service["ExecStart"].Single().Split(' ', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("/usr/local/bin/baton", execStart[0]);
        Assert.Equal("server", execStart[1]);
        var sockets = service["Sockets"].Single().Split(' ');
        Assert.Equal(["baton-public.socket", "baton-staging.socket"], sockets);
        foreach (var unit in sockets)
        {
            var socket = Read(unit);
            var name = socket["FileDescriptorName"].Single();
            Assert.Equal("baton.service", socket["Service"].Single());
            // The flag that sets this listener's address, and the address systemd binds.
            var flag = SystemdSockets.FlagOf(name);
            Assert.NotEqual(name, flag);
            var index = Array.IndexOf(execStart, flag);
            Assert.True(index > 0, $"ExecStart has no {flag} for the {name} socket of {unit}");
            Assert.True(ListenAddress.TryParse(execStart[index + 1], out var wanted, out _));
            Assert.True(ListenAddress.TryParse(socket["ListenStream"].Single(), out var bound, out _), $"{unit}: ListenStream= is not ADDRESS:PORT");
            Assert.True(SystemdSockets.Matches(wanted, bound), $"{unit} binds {bound} but ExecStart's {flag} is {wanted}");
        }
        // What the issue asks of the service.
        Assert.Equal("on-failure", service["Restart"].Single());
        Assert.Equal("strict", service["ProtectSystem"].Single());
        Assert.Equal("/var/lib/baton", service["ReadWritePaths"].Single());
        Assert.Equal("yes", service["NoNewPrivileges"].Single());
        Assert.Equal("baton", service["User"].Single());
        Assert.Equal("notify", service["Type"].Single());
        Assert.DoesNotContain("SupplementaryGroups", service.Keys);
    }

    /// <summary>KEY=VALUE lines of a unit file (comments and sections skipped), by key.</summary>
    private static Dictionary<string, List<string>> Read(string unit)
    {
        var keys = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var raw in File.ReadAllLines(Path.Combine(Packaging, unit)))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line[0] is '#' or ';' or '[') continue;
            var eq = line.IndexOf('=');
            if (eq < 1) continue;
            var key = line[..eq];
            if (!keys.TryGetValue(key, out var values)) keys[key] = values = [];
            values.Add(line[(eq + 1)..]);
        }
        return keys;
    }
}
