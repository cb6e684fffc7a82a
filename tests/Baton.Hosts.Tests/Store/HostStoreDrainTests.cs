using Baton.Deploy.Store;
using Baton.Hosts.Ssh;
using Baton.Hosts.Store;
using Baton.Server;

namespace Baton.Hosts.Tests.Store;

/// <summary>A drained host stays drained across restarts of the controller: the mark is in hosts.json.</summary>
public sealed class HostStoreDrainTests : IDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("baton-hosts-").FullName;

    private HostStore Open() => HostStore.Open(folder, new PrivateKeySeal(DefinitionCipher.OpenOrCreate(folder)));

    private static StoredHost Host(string name)
    {
        Assert.True(SshTarget.TryParse("deploy@10.200.0.2", out var target, out _));
        return new StoredHost(name, target, AuthorizedKey.DefaultCommand, SshKeyPair.Create($"baton@{name}"), null, DateTimeOffset.UnixEpoch);
    }

    [Fact]
    public void SetDrained_IsKeptInTheFile_AndClearedByResume()
    {
        var store = Open();
        Assert.True(store.Add(Host("app1")));
        Assert.True(store.Add(Host("app2")));

        Assert.True(store.SetDrained("app1", true)!.Drained);
        var reopened = Open();
        Assert.True(reopened.Get("app1")!.Drained);
        Assert.False(reopened.Get("app2")!.Drained);
        Assert.Contains("\"drained\": true", File.ReadAllText(Path.Combine(folder, HostStore.FileName)));

        Assert.False(reopened.SetDrained("app1", false)!.Drained);
        Assert.False(Open().Get("app1")!.Drained);
        Assert.DoesNotContain("drained", File.ReadAllText(Path.Combine(folder, HostStore.FileName)));
    }

    [Fact]
    public void SetDrained_UnknownHost_IsNullAndWritesNothing()
    {
        var store = Open();
        Assert.Null(store.SetDrained("app9", true));
        Assert.False(File.Exists(Path.Combine(folder, HostStore.FileName)));
    }

    public void Dispose() => Directory.Delete(folder, recursive: true);
}
