using System.Net;

namespace Baton.Server.Tests;

public sealed class ServerBuildingBlocksTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("baton-lock-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void SecondServer_SameDirectory_RefusedNamingTheHoldersPid_UntilTheFirstLetsGo()
    {
        var first = DataDirectoryLock.TryAcquire(_dir, out var error);
        Assert.NotNull(first);
        Assert.Equal("", error);

        Assert.Null(DataDirectoryLock.TryAcquire(_dir, out error));
        Assert.Equal($"Another baton server (PID {Environment.ProcessId}) is using the data directory {_dir}; stop it first, or start this one with another --data.", error);

        first.Dispose();
        using var second = DataDirectoryLock.TryAcquire(_dir, out error);
        Assert.NotNull(second);
    }

    [Theory]
    [InlineData("127.0.0.1", false, false, true)]
    [InlineData("::1", false, false, true)]
    [InlineData("0.0.0.0", false, false, false)]
    [InlineData("10.1.2.3", false, false, false)]
    [InlineData("0.0.0.0", true, false, true)]
    [InlineData("0.0.0.0", false, true, true)]
    public void AdminListener_NonLoopbackWithoutTls_RefusedUnlessAllowed(string address, bool tls, bool allowInsecure, bool allowed)
    {
        var refusal = AdminListenerPolicy.Refusal(new IPEndPoint(IPAddress.Parse(address), 9000), tls, allowInsecure);
        Assert.Equal(allowed, refusal is null);
        if (address == "0.0.0.0" && !allowed) Assert.StartsWith("The admin listener would answer on every interface (0.0.0.0:9000) without TLS", refusal);
    }
}
