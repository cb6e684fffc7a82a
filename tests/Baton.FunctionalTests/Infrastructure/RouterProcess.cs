using System.Diagnostics;
using System.Text;

namespace Baton.FunctionalTests.Infrastructure;

/// <summary>
/// <c>baton router run</c> as a real process (supervisor and router process) on loopback ports and
/// a data directory of its own: a router host with no controller. Killed by its PID.
/// </summary>
public sealed class RouterProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private bool _dataHandedOver;

    private RouterProcess(Process process, int port, int staging, string data)
    {
        _process = process;
        ProxyUri = new Uri($"http://127.0.0.1:{port}/");
        StagingUri = new Uri($"http://127.0.0.1:{staging}/");
        DataDirectory = data;
        process.OutputDataReceived += (_, e) => { lock (_output) _output.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { lock (_output) _output.AppendLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public Uri ProxyUri { get; }
    public Uri StagingUri { get; }
    public string DataDirectory { get; }

    /// <summary>The supervisor's PID (its router process goes with it).</summary>
    public int Pid => _process.Id;

    public string Output
    {
        get { lock (_output) return _output.ToString(); }
    }

    /// <summary>The forced command for this router's key: <c>dotnet baton.dll router link --data DIR</c>, with full paths (sshd's PATH is short).</summary>
    public string LinkCommand => $"{DotnetPath()} {Path.Combine(AppContext.BaseDirectory, "baton.dll")} router link --data {DataDirectory}";

    public static Task<RouterProcess> StartAsync() =>
        StartAsync(Directory.CreateTempSubdirectory("baton-ft-router-").FullName, ServerProcess.FreePort(), ServerProcess.FreePort());

    /// <summary>
    /// The router host restarted: this <c>baton router run</c> stopped (SIGTERM, as a service manager stops it, or
    /// SIGKILL to the supervisor and its router process, as a crash) and started again on the same data directory and
    /// ports. The new process owns the data directory from then on; this one is left with nothing to remove.
    /// </summary>
    public async Task<RouterProcess> RestartAsync(bool kill)
    {
        if (kill) await KillAsync();
        else await TerminateAsync();
        _dataHandedOver = true;
        return await StartAsync(DataDirectory, ProxyUri.Port, StagingUri.Port);
    }

    /// <summary>SIGTERM to the supervisor: the router drains and exits; waits up to a minute for it.</summary>
    public async Task TerminateAsync()
    {
        if (_process.HasExited) return;
        await SignalAsync("TERM");
        using var limit = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        await _process.WaitForExitAsync(limit.Token);
    }

    /// <summary>SIGHUP to the supervisor: a new router process takes over the listening sockets with no gap; returns when it serves.</summary>
    public async Task HangUpAsync()
    {
        int before = Restarts;
        await SignalAsync("HUP");
        await Wait.UntilAsync(() => Restarts > before, $"the router on {ProxyUri} says it restarted after SIGHUP:\n{Output}", TimeSpan.FromSeconds(60));
    }

    private int Restarts => Output.Split('\n').Count(l => l.Contains("Router restarted in", StringComparison.Ordinal));

    private async Task SignalAsync(string signal)
    {
        using var sent = Process.Start("kill", ["-" + signal, _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        await sent.WaitForExitAsync();
    }

    private static async Task<RouterProcess> StartAsync(string data, int port, int staging)
    {
        var psi = new ProcessStartInfo(BatonCli.Dotnet) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = data };
        string[] args = [Path.Combine(AppContext.BaseDirectory, "baton.dll"), "router", "run", "--listen", $"127.0.0.1:{port}", "--listen-staging", $"127.0.0.1:{staging}", "--data", data, "--shutdown-timeout", "5s"];
        foreach (var a in args) psi.ArgumentList.Add(a);
        foreach (var name in new[] { "BATON_URL", "BATON_TOKEN", "BATON_DATA" }) psi.Environment.Remove(name);
        var router = new RouterProcess(Process.Start(psi)!, port, staging, data);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (!router.Output.Contains("Baton router is running", StringComparison.Ordinal))
        {
            if (router._process.HasExited) throw new InvalidOperationException($"baton router run exited with {router._process.ExitCode}: {router.Output}");
            if (DateTime.UtcNow > deadline)
            {
                await router.DisposeAsync();
                throw new TimeoutException($"baton router run did not start within 30 s: {router.Output}");
            }
            await Task.Delay(100);
        }
        return router;
    }

    /// <summary>SIGKILL to the supervisor and its router process: the router host is gone.</summary>
    public async Task KillAsync()
    {
        if (_process.HasExited) return;
        _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
    }

    private static string DotnetPath()
    {
        var dotnet = BatonCli.Dotnet;
        if (Path.IsPathRooted(dotnet)) return dotnet;
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':'))
        {
            var candidate = Path.Combine(dir, dotnet);
            if (File.Exists(candidate)) return new FileInfo(candidate).LinkTarget is { } target ? Path.GetFullPath(target, dir) : candidate;
        }
        return dotnet;
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        _process.Dispose();
        if (_dataHandedOver) return;
        try
        {
            Directory.Delete(DataDirectory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
