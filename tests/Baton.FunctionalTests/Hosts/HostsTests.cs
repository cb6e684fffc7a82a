using System.Net;
using System.Text.Json;
using Baton.Contracts;
using Baton.FunctionalTests.Infrastructure;
using Baton.Hosts.Tests.Ssh;

namespace Baton.FunctionalTests.Hosts;

/// <summary>
/// App servers through a real <c>baton server</c>, the real CLI and a real sshd on 127.0.0.1 whose
/// authorized_keys gets the line <c>baton host add</c> printed, with the real agent
/// (<c>dotnet baton.dll host --config …</c>) as its forced command.
/// </summary>
public sealed class HostsTests : IDisposable
{
    private readonly TestSshd _sshd = new();
    private readonly string _agentConfig;
    private readonly string _agentLog;

    public HostsTests()
    {
        _agentConfig = Path.Combine(_sshd.Directory, "host.yml");
        _agentLog = Path.Combine(_sshd.Directory, "host.log");
        File.WriteAllText(_agentConfig, $"""
            name: app-test
            services: [web]
            images: [baton-test/]
            log: {_agentLog}

            """);
    }

    private string Ssh => $"{_sshd.User}@127.0.0.1:{_sshd.Port}";

    /// <summary>The agent as the forced command: the test's own dotnet (sshd's sessions have a bare PATH) running the built CLI.</summary>
    private string AgentCommand => $"{Environment.ProcessPath} {Path.Combine(AppContext.BaseDirectory, "baton.dll")} host --config {_agentConfig}";

    private int AgentRuns => File.Exists(_agentLog) ? File.ReadAllLines(_agentLog).Length : 0;

    [Fact]
    public async Task HostAdd_ThenAuthorize_CheckWorks_AChangedHostKeyIsRefusedUntilRepinned()
    {
        await using var router = await RouterHost.StartAsync();

        // Step 1: add prints the line, the pinned fingerprint, and what to do next.
        var add = await BatonCli.RunAsync(router, "host", "add", "app1", "--ssh", Ssh, "--command", AgentCommand);
        Assert.True(add.ExitCode == 0, add.ToString());
        var line = add.Stdout.Split('\n').Single(l => l.StartsWith("command=", StringComparison.Ordinal));
        Assert.Matches($"^command=\"{System.Text.RegularExpressions.Regex.Escape(AgentCommand)}\",restrict ecdsa-sha2-nistp256 AAAA[A-Za-z0-9+/=]+ baton@app1$", line);
        Assert.Contains($"Put this line in ~{_sshd.User}/.ssh/authorized_keys on 127.0.0.1", add.Stdout);
        Assert.Contains($"Host key pinned: {_sshd.HostKeyFingerprint()} (ssh-ed25519)", add.Stdout);
        Assert.Contains("the server does not accept this key yet. Install the line above, then `baton host check app1` verifies it.", add.Stdout);

        // Step 2: until the line is installed, check says so in one sentence.
        var early = await BatonCli.RunAsync(router, "host", "check", "app1");
        Assert.Equal(1, early.ExitCode);
        BatonCli.AssertOneSentence(early);
        Assert.Contains($"app1 refused Baton's key: add the authorized_keys line `baton host add` printed to ~{_sshd.User}/.ssh/authorized_keys on 127.0.0.1.", early.Stderr);

        // Step 3: installed, the key logs in and the agent answers its ping.
        _sshd.Authorize(line);
        var check = await BatonCli.RunAsync(router, "host", "check", "app1");
        Assert.True(check.ExitCode == 0, check.ToString());
        Assert.Contains($"app1 ({Ssh}) works: host key {_sshd.HostKeyFingerprint()} (ssh-ed25519), Baton's key accepted, and its agent answers as app-test", check.Stdout);
        Assert.Contains("services web; images baton-test/", check.Stdout);
        int runs = AgentRuns;
        Assert.True(runs >= 1, "the agent logged no ping");

        // Step 4: the server's host key changes: refused before anything is sent, so the agent does not run.
        var pinned = _sshd.HostKeyFingerprint();
        _sshd.RestartWithNewHostKey();
        var presented = _sshd.HostKeyFingerprint();
        var changed = await BatonCli.RunAsync(router, "host", "check", "app1");
        Assert.Equal(1, changed.ExitCode);
        BatonCli.AssertOneSentence(changed);
        Assert.Contains($"app1 ({Ssh}) presented the host key {presented} (ssh-ed25519), not the pinned {pinned} (ssh-ed25519); Baton sent it nothing. "
            + "If that server's key was changed on purpose, `baton host repin app1` pins the new one.", changed.Stderr);
        Assert.Equal(runs, AgentRuns);

        // Step 5: re-pinned deliberately, it works again.
        var repin = await BatonCli.RunAsync(router, "host", "repin", "app1");
        Assert.True(repin.ExitCode == 0, repin.ToString());
        Assert.Contains($"Pinned app1's host key {presented} (ssh-ed25519) in place of the old one.", repin.Stdout);
        var list = await BatonCli.RunAsync(router, "host", "list");
        Assert.True(list.ExitCode == 0, list.ToString());
        Assert.Matches($@"app1\s+{System.Text.RegularExpressions.Regex.Escape(Ssh)}\s+{System.Text.RegularExpressions.Regex.Escape(presented)} \(ssh-ed25519\)\s+", list.Stdout);

        // Step 6: removed, it is gone.
        var remove = await BatonCli.RunAsync(router, "host", "remove", "app1");
        Assert.True(remove.ExitCode == 0, remove.ToString());
        Assert.Contains($"delete its line (ending baton@app1) from ~{_sshd.User}/.ssh/authorized_keys on 127.0.0.1 too.", remove.Stdout);
        Assert.Contains("No app servers", (await BatonCli.RunAsync(router, "host", "list")).Stdout);
        var gone = await BatonCli.RunAsync(router, "host", "check", "app1");
        Assert.Equal(5, gone.ExitCode);
        BatonCli.AssertOneSentence(gone);

        var audit = await BatonCli.RunAsync(router, "audit", "--json");
        var entries = JsonSerializer.Deserialize(audit.Stdout, BatonJson.Default.AuditResponse)!.Entries
            .Where(e => e.Target == "host app1").Reverse().Select(e => (e.Action, e.Outcome, e.Detail?.Split(',')[0])).ToList();
        Assert.Equal([
            ("host.add", "succeeded", $"{Ssh}: key-refused"),
            ("host.check", "failed", "key-refused"),
            ("host.check", "succeeded", "ok"),
            ("host.check", "failed", "host-key-changed"),
            ("host.repin", "succeeded", $"{pinned} -> {presented}"),
            ("host.remove", "succeeded", null),
            ("host.check", "failed", $"There is no host named app1; `baton host list` lists them."),
        ], entries);
    }

    [Fact]
    public async Task HostAdd_PrivateKeyStaysInAnOwnerOnlyFile_AndNoAnswerShowsIt()
    {
        await using var router = await RouterHost.StartAsync();
        using var admin = AccessClient.WithToken(router.AdminUri, router.Token);

        var (status, body, _) = await admin.PostAsync("/api/hosts", JsonSerializer.Serialize(new HostAddRequest("app1", Ssh), BatonJson.Default.HostAddRequest));
        Assert.True(status == HttpStatusCode.Created, body);
        var added = JsonSerializer.Deserialize(body, BatonJson.Default.HostContactResponse)!;
        Assert.Equal(HostOutcomes.KeyRefused, added.Contact.Outcome);
        Assert.StartsWith("command=\"baton host --config /etc/baton/host.yml\",restrict ecdsa-sha2-nistp256 AAAA", added.Host.AuthorizedKeysLine);
        Assert.Equal(new HostKeyView("ssh-ed25519", _sshd.HostKeyFingerprint()), added.Host.HostKey);

        var file = Path.Combine(router.DataDirectory, "hosts.json");
        if (!OperatingSystem.IsWindows()) Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
        // Sealed with the data directory's secrets.key: the file holds no private key text.
        var sealedKey = JsonDocument.Parse(File.ReadAllText(file)).RootElement.GetProperty("hosts").GetProperty("app1").GetProperty("privateKey").GetString()!;
        Assert.StartsWith("enc:v1:", sealedKey);
        Assert.DoesNotContain("PRIVATE KEY", File.ReadAllText(file));
        var stored = Baton.Deploy.Store.DefinitionCipher.OpenOrCreate(router.DataDirectory).Decrypt(sealedKey);
        Assert.StartsWith("-----BEGIN EC PRIVATE KEY-----", stored);
        // The key's body, line by line: no part of it may show anywhere.
        var secrets = stored.Split('\n').Where(l => l.Length > 20 && !l.StartsWith("-----", StringComparison.Ordinal)).Append("PRIVATE KEY").ToList();

        _sshd.Authorize(added.Host.AuthorizedKeysLine.Replace("baton host --config /etc/baton/host.yml", _sshd.ForcedCommand, StringComparison.Ordinal));
        var answers = new List<string> { body };
        answers.Add((await admin.PostAsync("/api/hosts/app1/check", "{}")).Body);
        answers.Add((await admin.PostAsync("/api/hosts/app1/repin", "{}")).Body);
        foreach (var (method, path, _) in Auth.AccessTests.Routes(router, "app1").Where(r => r.Method == "GET"))
            answers.Add((await admin.GetAsync(path)).Body);
        answers.Add((await BatonCli.RunAsync(router, "host", "list", "--json")).Stdout);
        answers.Add((await BatonCli.RunAsync(router, "audit", "--json")).Stdout);
        foreach (var answer in answers)
            foreach (var secret in secrets)
                Assert.False(answer.Contains(secret, StringComparison.Ordinal), $"an answer shows the private key: {answer}");
        Assert.Contains(answers, a => a.Contains("\"hostKey\"", StringComparison.Ordinal)); // the host's own GET was among them
    }

    [Fact]
    public async Task HostAdd_BadInput_400OneSentence_NothingStored()
    {
        await using var router = await RouterHost.StartAsync();
        using var admin = AccessClient.WithToken(router.AdminUri, router.Token);
        var bad = new (HostAddRequest Request, string Says)[]
        {
            (new("App1", Ssh), "is not a host name Baton takes"),
            (new("app_1", Ssh), "is not a host name Baton takes"),
            (new("", Ssh), "is not a host name Baton takes"),
            (new("app1", "127.0.0.1"), "needs exactly one user name before an @"),
            (new("app1", "deploy@127.0.0.1:99999"), "is not a port"),
            (new("app1", null), "The SSH target is empty"),
            (new("app1", Ssh, "baton host \"--config\" x"), "may not hold double quotes"),
            (new("app1", Ssh, ""), "The forced command is empty"),
        };
        foreach (var (request, says) in bad)
        {
            var (status, body, _) = await admin.PostAsync("/api/hosts", JsonSerializer.Serialize(request, BatonJson.Default.HostAddRequest));
            Assert.True(status == HttpStatusCode.BadRequest, $"{request}: {(int)status} {body}");
            var error = JsonSerializer.Deserialize(body, BatonJson.Default.ApiError)!.Error;
            Assert.Contains(says, error);
            Assert.EndsWith(".", error);
        }
        Assert.False(File.Exists(Path.Combine(router.DataDirectory, "hosts.json")));
        Assert.Equal("{\"hosts\":[]}", (await admin.GetAsync("/api/hosts")).Body);

        var cli = await BatonCli.RunAsync(router, "host", "add", "App1", "--ssh", Ssh);
        Assert.Equal(2, cli.ExitCode);
        BatonCli.AssertOneSentence(cli);

        Assert.Equal(HttpStatusCode.Created, (await admin.PostAsync("/api/hosts", JsonSerializer.Serialize(new HostAddRequest("app1", Ssh), BatonJson.Default.HostAddRequest))).Status);
        var twice = await BatonCli.RunAsync(router, "host", "add", "app1", "--ssh", Ssh);
        Assert.Equal(6, twice.ExitCode);
        Assert.Contains("A host named app1 is already added", twice.Stderr);
        Assert.Equal(5, (await BatonCli.RunAsync(router, "host", "remove", "app9")).ExitCode);
    }

    [Fact]
    public async Task HostAdd_ServerDown_StoredUnpinned_ThenTheFirstCheckThatReachesItPins()
    {
        await using var router = await RouterHost.StartAsync();
        _sshd.Stop();

        var add = await BatonCli.RunAsync(router, "host", "add", "app2", "--ssh", Ssh);
        Assert.True(add.ExitCode == 0, add.ToString());
        Assert.Contains($"Connection: not working yet: Cannot reach app2 ({Ssh}): connection refused. `baton host check app2` tries again.", add.Stdout);
        Assert.Contains("Host key: not pinned yet", add.Stdout);
        var down = await BatonCli.RunAsync(router, "host", "check", "app2");
        Assert.Equal(1, down.ExitCode);
        BatonCli.AssertOneSentence(down);
        Assert.Contains("connection refused", down.Stderr);

        _sshd.Start();
        var first = await BatonCli.RunAsync(router, "host", "check", "app2");
        Assert.Equal(1, first.ExitCode); // Baton's key is not in authorized_keys yet
        Assert.Contains($"Pinned app2's host key at first contact: {_sshd.HostKeyFingerprint()} (ssh-ed25519).", first.Stdout);
        Assert.Contains("app2 refused Baton's key", first.Stderr);
        Assert.Contains(_sshd.HostKeyFingerprint(), (await BatonCli.RunAsync(router, "host", "list")).Stdout);
    }

    public void Dispose() => _sshd.Dispose();
}
