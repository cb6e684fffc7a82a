using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Baton.Registry.Tests.Infrastructure;

/// <summary>How a test registry checks who calls it.</summary>
public abstract record RegistryAuth
{
    public sealed record None : RegistryAuth;

    /// <summary>htpasswd file with bcrypt hashes, made with <c>htpasswd -Bbn</c>.</summary>
    public sealed record Basic(string Username, string Password) : RegistryAuth;

    /// <summary>Bearer tokens from <paramref name="Realm"/>, signed by the key of the certificate in <paramref name="RootCertBundle"/>.</summary>
    public sealed record Token(string Realm, string Service, string Issuer, string RootCertBundle) : RegistryAuth;
}

/// <summary>
/// A real Debian <c>docker-registry</c> (distribution 2.8) process on a free loopback port, with
/// storage in a temporary directory (or one given, to restart a registry on the same images).
/// Ended by its PID when disposed.
/// </summary>
public sealed class RegistryProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _log = new();
    private readonly string _work;
    private readonly bool _ownsStorage;

    private RegistryProcess(Process process, int port, string work, string storage, bool ownsStorage)
    {
        _process = process;
        _work = work;
        Storage = storage;
        _ownsStorage = ownsStorage;
        Port = port;
        process.OutputDataReceived += (_, e) => { lock (_log) _log.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { lock (_log) _log.AppendLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public int Port { get; }

    /// <summary>The registry host as images name it: <c>127.0.0.1:PORT</c>.</summary>
    public string Host => $"127.0.0.1:{Port}";

    public Uri BaseUri => new($"http://127.0.0.1:{Port}/");

    public string Storage { get; }

    public string Log
    {
        get { lock (_log) return _log.ToString(); }
    }

    public static int FreePort() => Baton.Testing.TestPorts.Next();

    public static async Task<RegistryProcess> StartAsync(RegistryAuth auth, string? storage = null)
    {
        var binary = FindBinary();
        var work = Directory.CreateTempSubdirectory("baton-registry-test-").FullName;
        bool owns = storage is null;
        storage ??= Directory.CreateDirectory(Path.Combine(work, "storage")).FullName;
        var port = FreePort();
        var config = new StringBuilder($"""
            version: 0.1
            log:
              level: info
            storage:
              filesystem:
                rootdirectory: {storage}
              delete:
                enabled: true
            http:
              addr: 127.0.0.1:{port}

            """);
        switch (auth)
        {
            case RegistryAuth.Basic basic:
                var htpasswd = Path.Combine(work, "htpasswd");
                await File.WriteAllTextAsync(htpasswd, await HtpasswdAsync(basic.Username, basic.Password));
                config.Append($"""
                    auth:
                      htpasswd:
                        realm: baton-test
                        path: {htpasswd}

                    """);
                break;
            case RegistryAuth.Token token:
                config.Append($"""
                    auth:
                      token:
                        realm: {token.Realm}
                        service: {token.Service}
                        issuer: {token.Issuer}
                        rootcertbundle: {token.RootCertBundle}

                    """);
                break;
        }
        var configFile = Path.Combine(work, "config.yml");
        await File.WriteAllTextAsync(configFile, config.ToString());

        var psi = new ProcessStartInfo(binary) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add("serve");
        psi.ArgumentList.Add(configFile);
        var registry = new RegistryProcess(Process.Start(psi)!, port, work, storage, owns);
        using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            if (registry._process.HasExited) throw new InvalidOperationException($"docker-registry exited with {registry._process.ExitCode}: {registry.Log}");
            try
            {
                using var response = await http.GetAsync(new Uri(registry.BaseUri, "v2/"));
                return registry; // 200, or 401 when it wants a login: either way it serves
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                // Not listening yet.
            }
            if (DateTime.UtcNow > deadline)
            {
                await registry.DisposeAsync();
                throw new TimeoutException($"docker-registry did not answer on {registry.Host} within 30 s: {registry.Log}");
            }
            await Task.Delay(100);
        }
    }

    /// <summary>Stops the registry (by its PID); its storage stays when it was given by the caller.</summary>
    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
        try
        {
            if (_ownsStorage) Directory.Delete(_work, recursive: true);
            else
                foreach (var file in Directory.GetFiles(_work)) File.Delete(file);
        }
        catch (IOException)
        {
        }
    }

    private static string FindBinary()
    {
        foreach (var candidate in new[] { "/usr/bin/docker-registry", "/usr/local/bin/docker-registry" })
            if (File.Exists(candidate)) return candidate;
        throw new InvalidOperationException("These tests need Debian's docker-registry; ./test.sh installs it (scripts/lib.sh require_registry).");
    }

    private static async Task<string> HtpasswdAsync(string username, string password)
    {
        if (!File.Exists("/usr/bin/htpasswd")) throw new InvalidOperationException("These tests need htpasswd from apache2-utils; ./test.sh installs it.");
        var psi = new ProcessStartInfo("/usr/bin/htpasswd") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { "-Bbn", username, password }) psi.ArgumentList.Add(a);
        using var process = Process.Start(psi)!;
        var output = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0) throw new InvalidOperationException($"htpasswd failed: {await process.StandardError.ReadToEndAsync()}");
        return output;
    }
}
