using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Baton.Hosts.Ssh;

namespace Baton.Hosts.Tests.Ssh;

/// <summary>The SSH transport against a real sshd whose authorized_keys binds Baton's key to a script.</summary>
public sealed class SshTransportTests : IDisposable
{
    private static readonly SshTransportOptions Fast = new() { ConnectTimeout = TimeSpan.FromSeconds(5) };

    private readonly TestSshd _sshd = new();
    private readonly SshKeyPair _key = SshKeyPair.Create("baton@app1");

    private SshTarget Target => new(_sshd.User, "127.0.0.1", _sshd.Port);

    private void AuthorizeBaton() => _sshd.Authorize(AuthorizedKey.Line(_sshd.ForcedCommand, _key.PublicKey));

    private async Task<SshTransport> PinnedTransportAsync(SshTransportOptions? options = null)
    {
        var contact = await SshTransport.FirstContactAsync("app1", Target, _key, Fast, CancellationToken.None);
        Assert.NotNull(contact.HostKey);
        return new SshTransport("app1", Target, _key, contact.HostKey, options ?? Fast);
    }

    [Fact]
    public async Task OpenAsync_StdinReachesTheProgram_AndItsOutputArrivesAsItIsWritten()
    {
        AuthorizeBaton();
        using var transport = await PinnedTransportAsync();
        await using var channel = await transport.OpenAsync(CancellationToken.None);
        using var reader = new StreamReader(channel.Output, Encoding.UTF8);

        Assert.Equal("original: baton-host", await reader.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(10)));
        // Each line comes back while stdin is still open: nothing waits for the end of the stream.
        for (int i = 0; i < 3; i++)
        {
            await channel.Input.WriteAsync(Encoding.UTF8.GetBytes($"line {i}\n"));
            await channel.Input.FlushAsync();
            Assert.Equal($"line {i}", await reader.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(10)));
        }
        channel.Input.Dispose();
        Assert.Null(await reader.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(10)));
        var (exitCode, error) = await channel.CompletionAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(0, exitCode);
        Assert.Equal("", error);
    }

    [Fact]
    public async Task OpenAsync_MegabytesBothWaysAtOnce_ArriveWhole()
    {
        AuthorizeBaton();
        using var transport = await PinnedTransportAsync();
        await using var channel = await transport.OpenAsync(CancellationToken.None);
        var sent = new byte[4 * 1024 * 1024];
        new Random(14).NextBytes(sent);

        // cat sends it back while it is still being written: beyond the SSH windows, a transport
        // that read only after writing (or wrote only after reading) would stall here.
        var writing = Task.Run(async () =>
        {
            for (int offset = 0; offset < sent.Length; offset += 64 * 1024) await channel.Input.WriteAsync(sent.AsMemory(offset, 64 * 1024));
            channel.Input.Dispose();
        });
        using var received = new MemoryStream();
        await channel.Output.CopyToAsync(received).WaitAsync(TimeSpan.FromSeconds(30));
        await writing;

        var expected = Encoding.UTF8.GetBytes("original: baton-host\n").Concat(sent).ToArray();
        Assert.Equal(expected.Length, received.Length);
        Assert.True(expected.AsSpan().SequenceEqual(received.ToArray()), "the bytes that came back differ");
        Assert.Equal(0, (await channel.CompletionAsync(CancellationToken.None)).ExitCode);
    }

    [Fact]
    public async Task OpenAsync_ForcedCommandRunsWhateverTheClientAsks_WithItsExitCodeAndStderr()
    {
        AuthorizeBaton();
        using var transport = await PinnedTransportAsync(new SshTransportOptions { ConnectTimeout = Fast.ConnectTimeout, CommandText = "rm -rf /tmp/nothing-here" });
        await using (var channel = await transport.OpenAsync(CancellationToken.None))
        {
            channel.Input.Dispose();
            var output = await new StreamReader(channel.Output).ReadToEndAsync();
            // Closed empty, the input still ends (SSH.NET sends EOF only after data: one empty line goes first).
            Assert.Equal("original: rm -rf /tmp/nothing-here\n\n", output);
            Assert.Equal(0, (await channel.CompletionAsync(CancellationToken.None)).ExitCode);
        }
        Assert.Single(_sshd.Runs); // the script ran, not rm

        using var failing = await PinnedTransportAsync(new SshTransportOptions { ConnectTimeout = Fast.ConnectTimeout, CommandText = "fail" });
        await using var failed = await failing.OpenAsync(CancellationToken.None);
        failed.Input.Dispose();
        _ = await new StreamReader(failed.Output).ReadToEndAsync();
        var (exitCode, error) = await failed.CompletionAsync(CancellationToken.None);
        Assert.Equal(3, exitCode);
        Assert.Equal("it went wrong\n", error);
    }

    [Fact]
    public async Task OpenAsync_ChannelsShareOneConnection_AndADroppedOneIsMadeAgain()
    {
        AuthorizeBaton();
        using var transport = await PinnedTransportAsync();
        int before = _sshd.AcceptedLogins(); // the first contact's own login

        var channels = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => transport.OpenAsync(CancellationToken.None)));
        foreach (var channel in channels) await EchoAsync(channel, "together");
        Assert.Equal(before + 1, _sshd.AcceptedLogins());

        _sshd.Restart(); // every connection to it drops
        await using var again = await transport.OpenAsync(CancellationToken.None);
        await EchoAsync(again, "after the restart");
        Assert.Equal(4, _sshd.Runs.Count);
    }

    /// <summary>
    /// A connection whose server stopped answering (a network cut that TCP has not noticed) is not used again once a
    /// channel open on it goes unanswered: the same call makes a new connection and its channel works.
    /// </summary>
    [Fact]
    public async Task OpenAsync_ConnectionStopsAnswering_ChannelOpenTimesOut_ANewConnectionServes()
    {
        AuthorizeBaton();
        // The unanswered channel open takes the whole connect timeout (5 s) to give up on; a new connection, on a loaded
        // machine, may need seconds too.
        using var transport = await PinnedTransportAsync(Fast);
        await using (var first = await transport.OpenAsync(CancellationToken.None)) await EchoAsync(first, "before");
        // sshd's log lines arrive on its stderr a moment after the login: the first contact's, then the transport's.
        await LoginsAsync(2);

        var frozen = _sshd.FreezeConnections();
        try
        {
            Assert.NotEmpty(frozen);
            await using var again = await transport.OpenAsync(CancellationToken.None);
            await EchoAsync(again, "on a new connection");
            await LoginsAsync(3);
        }
        finally
        {
            TestSshd.KillFrozen(frozen);
        }
    }

    [Fact]
    public async Task FirstContact_KeyNotAuthorized_PinsTheHostKeyAndSaysWhatToDo()
    {
        var contact = await SshTransport.FirstContactAsync("app1", Target, _key, Fast, CancellationToken.None);

        Assert.Equal(SshContactOutcome.KeyRefused, contact.Outcome);
        Assert.Equal(new HostKeyPin("ssh-ed25519", _sshd.HostKeyFingerprint()), contact.HostKey);
        Assert.Equal($"app1 refused Baton's key: add the authorized_keys line `baton host add` printed to ~{_sshd.User}/.ssh/authorized_keys on 127.0.0.1.", contact.Problem);
        Assert.Empty(_sshd.Runs);
    }

    [Fact]
    public async Task OpenAsync_HostKeyChanged_IsRefusedWithBothFingerprints_AndNothingRuns()
    {
        AuthorizeBaton();
        using (var transport = await PinnedTransportAsync())
        {
            await using var channel = await transport.OpenAsync(CancellationToken.None);
            await EchoAsync(channel, "before");
        }
        var pinned = _sshd.HostKeyFingerprint();
        Assert.Single(_sshd.Runs);

        _sshd.RestartWithNewHostKey();
        var presented = _sshd.HostKeyFingerprint();
        using var stale = new SshTransport("app1", Target, _key, new HostKeyPin("ssh-ed25519", pinned), Fast);
        var refused = await Assert.ThrowsAsync<HostUnreachableException>(() => stale.OpenAsync(CancellationToken.None));

        Assert.Equal($"app1 (root@127.0.0.1:{_sshd.Port}) presented the host key {presented} (ssh-ed25519), not the pinned {pinned} (ssh-ed25519); "
            + "Baton sent it nothing. If that server's key was changed on purpose, `baton host repin app1` pins the new one.",
            refused.Message.Replace(_sshd.User + "@", "root@", StringComparison.Ordinal));
        Assert.Single(_sshd.Runs); // the script did not run again
        Assert.Equal(SshContactOutcome.HostKeyChanged, (await stale.CheckAsync(CancellationToken.None)).Outcome);
    }

    [Fact]
    public async Task OpenAsync_ServerNoLongerOffersThePinnedKind_IsRefusedAndNothingRuns()
    {
        AuthorizeBaton();
        // Pinned as an ECDSA key, but this server has an ed25519 key only.
        var pin = new HostKeyPin("ecdsa-sha2-nistp256", "SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
        using var transport = new SshTransport("app1", Target, _key, pin, Fast);

        var refused = await Assert.ThrowsAsync<HostUnreachableException>(() => transport.OpenAsync(CancellationToken.None));

        Assert.Equal($"app1 ({Target}) no longer offers a host key of the pinned kind ecdsa-sha2-nistp256 ({pin.Fingerprint}); Baton sent it nothing. "
            + "If that server's keys were changed on purpose, `baton host repin app1` pins its new one.", refused.Message);
        Assert.Empty(_sshd.Runs);
    }

    [Fact]
    public async Task OpenAsync_NothingListens_SaysConnectionRefused()
    {
        int port = TestSshd.FreePort();
        using var transport = new SshTransport("app1", new SshTarget("deploy", "127.0.0.1", port), _key, new HostKeyPin("ssh-ed25519", "SHA256:x"), Fast);

        var e = await Assert.ThrowsAsync<HostUnreachableException>(() => transport.OpenAsync(CancellationToken.None));

        Assert.Equal($"Cannot reach app1 (deploy@127.0.0.1:{port}): connection refused.", e.Message);
    }

    [Fact]
    public async Task OpenAsync_ServerNeverAnswers_GivesUpWithinTheConnectTimeout()
    {
        // Accepts TCP connections and never says a word: no SSH banner ever comes.
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        int port = ((IPEndPoint)silent.LocalEndpoint).Port;
        var options = new SshTransportOptions { ConnectTimeout = TimeSpan.FromSeconds(1) };
        using var transport = new SshTransport("app1", new SshTarget("deploy", "127.0.0.1", port), _key, new HostKeyPin("ssh-ed25519", "SHA256:x"), options);

        var clock = Stopwatch.StartNew();
        var e = await Assert.ThrowsAsync<HostUnreachableException>(() => transport.OpenAsync(CancellationToken.None));

        Assert.Equal($"Cannot reach app1 (deploy@127.0.0.1:{port}): no answer within 1 s.", e.Message);
        Assert.InRange(clock.Elapsed, TimeSpan.FromSeconds(0.9), TimeSpan.FromSeconds(3));
    }

    /// <summary>Waits (up to 10 s) until sshd has logged <paramref name="expected"/> logins, and fails if it logs more.</summary>
    private async Task LoginsAsync(int expected)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (_sshd.AcceptedLogins() < expected && DateTime.UtcNow < deadline) await Task.Delay(50);
        Assert.Equal(expected, _sshd.AcceptedLogins());
    }

    private static async Task EchoAsync(IHostChannel channel, string text)
    {
        using var reader = new StreamReader(channel.Output, Encoding.UTF8, leaveOpen: true);
        Assert.StartsWith("original: ", await reader.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(10)));
        await channel.Input.WriteAsync(Encoding.UTF8.GetBytes(text + "\n"));
        Assert.Equal(text, await reader.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(10)));
        channel.Input.Dispose();
        Assert.Equal(0, (await channel.CompletionAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10))).ExitCode);
    }

    public void Dispose() => _sshd.Dispose();
}
