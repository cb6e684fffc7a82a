using System.Diagnostics;
using Baton.Hosts.Ssh;

namespace Baton.Hosts.Tests.Ssh;

public sealed class SshKeyPairTests
{
    [Fact]
    public void Create_PublicLine_IsOneOpenSshReads()
    {
        var pair = SshKeyPair.Create("baton@app1");
        var file = Path.GetTempFileName();
        try
        {
            File.WriteAllText(file, pair.PublicKey + "\n");
            var start = new ProcessStartInfo("ssh-keygen") { RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var a in new[] { "-l", "-f", file }) start.ArgumentList.Add(a);
            using var p = Process.Start(start)!;
            var output = p.StandardOutput.ReadToEnd();
            p.WaitForExit();

            Assert.Equal(0, p.ExitCode);
            Assert.StartsWith("256 SHA256:", output);
            Assert.EndsWith("baton@app1 (ECDSA)\n", output);
            Assert.StartsWith("ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTY", pair.PublicKey);
            Assert.StartsWith("-----BEGIN EC PRIVATE KEY-----", pair.PrivateKeyPem);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public void Line_BindsTheKeyToTheCommand_WithRestrict()
    {
        var pair = SshKeyPair.Create("baton@app1");
        Assert.Equal($"command=\"baton host --config /etc/baton/host.yml\",restrict {pair.PublicKey}", AuthorizedKey.Line(AuthorizedKey.DefaultCommand, pair.PublicKey));
    }

    [Theory]
    [InlineData("baton host --config /etc/baton/host.yml", true)]
    [InlineData("/usr/local/bin/baton host --config /srv/baton/host.yml", true)]
    [InlineData("baton \"host\"", false)]
    [InlineData("baton host\n--config x", false)]
    [InlineData("baton host \\", false)]
    [InlineData(" baton host", false)]
    [InlineData("", false)]
    public void IsValidCommand_RefusesWhatAuthorizedKeysCannotHoldPlainly(string command, bool valid) =>
        Assert.Equal(valid, AuthorizedKey.IsValidCommand(command, out _));
}
