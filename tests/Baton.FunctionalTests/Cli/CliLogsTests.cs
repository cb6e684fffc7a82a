using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;
using Baton.Deploy;
using Baton.FunctionalTests.Deploy;
using Baton.FunctionalTests.Infrastructure;

namespace Baton.FunctionalTests.Cli;

/// <summary><c>baton logs</c> against a real Docker deploy of the sample app: two worker replicas that log a line a second.</summary>
public sealed partial class CliLogsTests
{
    [GeneratedRegex(@"^(?<name>\S+)\s* \| (?<text>.*)$")]
    private static partial Regex PrefixedLine();

    private static List<(string Name, string Text)> Parse(string stdout) =>
        stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l =>
        {
            var m = PrefixedLine().Match(l);
            Assert.True(m.Success, $"not a prefixed log line: '{l}'");
            return (m.Groups["name"].Value, m.Groups["text"].Value);
        }).ToList();

    private static long Tick(string text) => long.Parse(text["worker v1 tick ".Length..], System.Globalization.CultureInfo.InvariantCulture);

    [Fact]
    public async Task Logs_TwoReplicas_EachLinePrefixed_TailFollowReleaseAndRefusals()
    {
        await using var app = await BlueGreenApp.StartAsync("workers:\n  - name: jobs\n    command: [work]\n    replicas: 2");
        await app.DeployOkAsync("v1");
        var workers = (await app.ContainersAsync()).Where(c => c.Label(ContainerLabels.Role) == ContainerLabels.Worker && c.Running()).ToList();
        Assert.Equal(2, workers.Count);
        var names = workers.Select(c => c.Name).Order().ToList();
        var release = BlueGreenApp.Release(workers[0]);

        // Both replicas have logged a few ticks.
        CliResult shown = null!;
        await Wait.UntilAsync(async () =>
        {
            shown = await app.CliAsync("logs", app.Name, "--tail", "3");
            return shown.ExitCode == 0 && names.All(n => Parse(shown.Stdout).Count(l => l.Name == n) == 3);
        }, "three lines of each worker replica in baton logs", TimeSpan.FromSeconds(30));

        // Every line carries its container's name; each replica's last three ticks, in order; the web container logs nothing.
        var lines = Parse(shown.Stdout);
        Assert.All(lines, l => Assert.Contains(l.Name, names));
        foreach (var name in names)
        {
            var ticks = lines.Where(l => l.Name == name).Select(l => Tick(l.Text)).ToList();
            Assert.Equal(Enumerable.Range((int)ticks[0], 3).Select(i => (long)i), ticks);
        }

        // The release's own containers give the same lines; a release with none, or a service that does not exist, is one sentence.
        var byRelease = await app.CliAsync("logs", app.Name, "--release", release, "--tail", "1");
        Assert.True(byRelease.ExitCode == 0, byRelease.ToString());
        Assert.Equal(names, Parse(byRelease.Stdout).Select(l => l.Name).Order());
        var noRelease = await app.CliAsync("logs", app.Name, "--release", "r999");
        Assert.Equal(5, noRelease.ExitCode);
        BatonCli.AssertOneSentence(noRelease);
        Assert.Contains("r999", noRelease.Stderr);
        var noService = await app.CliAsync("logs", "ghost-service");
        Assert.Equal(5, noService.ExitCode);
        BatonCli.AssertOneSentence(noService);
        var badTail = await app.CliAsync("logs", app.Name, "--tail", "lots");
        Assert.Equal(2, badTail.ExitCode);
        BatonCli.AssertOneSentence(badTail);

        // --follow: nothing from before (tail 0), then each replica's new ticks as they come, until the user quits
        // (Ctrl+C: exit 130, as any program interrupted by SIGINT).
        var startedAt = lines.Where(l => l.Name == names[0]).Max(l => Tick(l.Text));
        using var follow = StartCli(app, "logs", app.Name, "--follow", "--tail", "0");
        await Wait.UntilAsync(() =>
        {
            var seen = Parse(follow.Stdout);
            return names.All(n => seen.Count(l => l.Name == n) >= 2);
        }, "two new lines of each replica while following", TimeSpan.FromSeconds(30));
        var followed = Parse(follow.Stdout);
        foreach (var name in names)
        {
            var ticks = followed.Where(l => l.Name == name).Select(l => Tick(l.Text)).ToList();
            // New lines only, none twice, none skipped.
            Assert.Equal(Enumerable.Range((int)ticks[0], ticks.Count).Select(i => (long)i), ticks);
        }
        Assert.True(followed.Where(l => l.Name == names[0]).Min(l => Tick(l.Text)) > startedAt - 1);
        Assert.Equal(130, await follow.InterruptAsync(TimeSpan.FromSeconds(15)));
    }

    private static FollowingCli StartCli(BlueGreenApp app, params string[] args)
    {
        var psi = new ProcessStartInfo(BatonCli.Dotnet) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "baton.dll"));
        foreach (var a in args) psi.ArgumentList.Add(a);
        foreach (var name in new[] { "BATON_URL", "BATON_TOKEN", "BATON_DATA" }) psi.Environment.Remove(name);
        foreach (var (k, v) in app.CliEnvironment) psi.Environment[k] = v;
        return new FollowingCli(Process.Start(psi)!);
    }

    /// <summary>A CLI left running; <see cref="InterruptAsync"/> is the user's Ctrl+C.</summary>
    private sealed class FollowingCli : IDisposable
    {
        private readonly Process _process;
        private readonly StringBuilder _stdout = new(), _stderr = new();

        public FollowingCli(Process process)
        {
            _process = process;
            process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (_stdout) _stdout.AppendLine(e.Data); };
            process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (_stdout) _stderr.AppendLine(e.Data); };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
        }

        public string Stdout
        {
            get { lock (_stdout) return _stdout.ToString(); }
        }

        public async Task<int> InterruptAsync(TimeSpan timeout)
        {
            using (var kill = Process.Start("kill", ["-INT", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])) await kill.WaitForExitAsync();
            using var cts = new CancellationTokenSource(timeout);
            try
            {
                await _process.WaitForExitAsync(cts.Token);
            }
            catch (OperationCanceledException)
            {
                // Which of the two it was: the process still running, or its output never closed.
                lock (_stdout) Assert.Fail($"baton logs --follow had not ended {timeout.TotalSeconds:0} s after SIGINT (process exited: {_process.HasExited}); stderr: {_stderr}");
            }
            lock (_stdout) Assert.True(_stderr.Length == 0, $"exit {_process.ExitCode}: {_stderr}");
            return _process.ExitCode;
        }

        public void Dispose()
        {
            if (!_process.HasExited) _process.Kill(entireProcessTree: true);
            _process.Dispose();
        }
    }
}
