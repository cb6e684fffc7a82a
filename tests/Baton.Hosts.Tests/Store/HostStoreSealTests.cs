using System.Text.Json;
using System.Text.Json.Nodes;
using Baton.Deploy.Store;
using Baton.Hosts.Ssh;
using Baton.Hosts.Store;
using Baton.Server;

namespace Baton.Hosts.Tests.Store;

/// <summary>
/// The private keys in hosts.json and routers.json are sealed with the data directory's secrets.key: the files hold
/// no private key text, a file written in clear by an older Baton is read and sealed at once, and a file sealed with
/// another secrets.key is refused with one sentence and left as it is.
/// </summary>
public sealed class HostStoreSealTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("baton-hosts-").FullName;

    private HostStore Open(string file = HostStore.FileName) => HostStore.Open(_folder, file, new PrivateKeySeal(DefinitionCipher.OpenOrCreate(_folder)));

    private static StoredHost Host(string name)
    {
        Assert.True(SshTarget.TryParse("deploy@10.200.0.2", out var target, out _));
        return new StoredHost(name, target, AuthorizedKey.DefaultCommand, SshKeyPair.Create($"baton@{name}"), new HostKeyPin("ssh-ed25519", "SHA256:abc"), DateTimeOffset.UnixEpoch);
    }

    /// <summary>No PEM or OpenSSH private key text, nor any line of the key's body.</summary>
    private static void AssertNoPrivateKeyText(string file, params StoredHost[] hosts)
    {
        var text = File.ReadAllText(file);
        Assert.DoesNotContain("PRIVATE KEY", text);
        Assert.DoesNotContain("-----BEGIN", text);
        foreach (var host in hosts)
            foreach (var line in host.Key.PrivateKeyPem.Split('\n').Where(l => l.Length > 20 && !l.StartsWith("-----", StringComparison.Ordinal)))
                Assert.DoesNotContain(line.Trim(), text);
    }

    [Theory]
    [InlineData(HostStore.FileName)]
    [InlineData("routers.json")]
    public void Add_FileHoldsTheKeySealed_AndReopenedStoreGivesItBackInClear(string name)
    {
        var (app1, app2) = (Host("app1"), Host("app2"));
        var store = Open(name);
        Assert.True(store.Add(app1));
        Assert.True(store.Add(app2));
        Assert.NotNull(store.Pin("app1", new HostKeyPin("ssh-ed25519", "SHA256:def")));

        var file = Path.Combine(_folder, name);
        AssertNoPrivateKeyText(file, app1, app2);
        var stored = JsonNode.Parse(File.ReadAllText(file))!["hosts"]!["app1"]!["privateKey"]!.GetValue<string>();
        Assert.StartsWith("enc:v1:", stored);
        if (!OperatingSystem.IsWindows()) Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));

        var reopened = Open(name);
        Assert.Equal(app1.Key, reopened.Get("app1")!.Key);
        Assert.Equal(app2.Key, reopened.Get("app2")!.Key);
        Assert.Equal("SHA256:def", reopened.Get("app1")!.HostKey!.Fingerprint);
    }

    [Fact]
    public void Open_FileWrittenInClear_ReadsItAndRewritesItSealed()
    {
        var app1 = Host("app1");
        var file = Path.Combine(_folder, HostStore.FileName);
        // hosts.json as a Baton before sealing wrote it: the key's PEM as it is.
        File.WriteAllText(file, new JsonObject
        {
            ["hosts"] = new JsonObject
            {
                ["app1"] = new JsonObject
                {
                    ["ssh"] = "deploy@10.200.0.2",
                    ["command"] = AuthorizedKey.DefaultCommand,
                    ["publicKey"] = app1.Key.PublicKey,
                    ["privateKey"] = app1.Key.PrivateKeyPem,
                    ["hostKey"] = new JsonObject { ["algorithm"] = "ssh-ed25519", ["fingerprint"] = "SHA256:abc" },
                    ["added"] = "2026-01-01T00:00:00+00:00",
                },
            },
        }.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        Assert.Contains("PRIVATE KEY", File.ReadAllText(file));

        var store = Open();
        Assert.Equal(app1.Key, store.Get("app1")!.Key);
        AssertNoPrivateKeyText(file, app1);
        if (!OperatingSystem.IsWindows()) Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
        Assert.Equal(app1.Key, Open().Get("app1")!.Key);
        Assert.Equal("SHA256:abc", Open().Get("app1")!.HostKey!.Fingerprint);
    }

    [Fact]
    public void Open_SealedWithAnotherSecretsKey_RefusedWithOneSentence_FileLeftAsItIs()
    {
        Assert.True(Open().Add(Host("app1")));
        var file = Path.Combine(_folder, HostStore.FileName);
        var before = File.ReadAllText(file);
        File.Delete(Path.Combine(_folder, DefinitionCipher.KeyFileName)); // another key is made at the next open

        var refused = Assert.Throws<InvalidDataException>(() => Open());
        Assert.Contains("the private key of app1 does not open with this data directory's secrets.key", refused.Message);
        Assert.DoesNotContain("\n", refused.Message);
        Assert.Equal(before, File.ReadAllText(file));
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);
}
