using System.Text.Json;
using Baton.Contracts;
using Baton.FunctionalTests.Deploy;
using Baton.FunctionalTests.Infrastructure;
using Baton.Hosts.Tests.Ssh;
using Xunit.Abstractions;

namespace Baton.FunctionalTests.Routers;

/// <summary>
/// Router hosts as an operator adds them to a controller: <c>baton router run</c> behind a real sshd
/// whose key runs only <c>baton router link</c>, added with <c>baton router add</c> and checked; and
/// what a user reads of them: the version each one serves, and each one's own view (<c>GET /api/routers</c>,
/// the lines <c>baton status</c> ends with).
/// </summary>
internal static class RouterHosts
{
    /// <summary><c>baton router add</c> with the link as the forced command, its line installed in sshd's authorized_keys, then <c>baton router check</c>.</summary>
    public static async Task AddAsync(BlueGreenApp app, string name, TestSshd sshd, RouterProcess router, ITestOutputHelper output)
    {
        var added = await app.CliAsync("router", "add", name, "--ssh", $"{sshd.User}@127.0.0.1:{sshd.Port}", "--command", router.LinkCommand, "--json");
        Assert.True(added.ExitCode == 0, added.ToString());
        var response = JsonSerializer.Deserialize(added.Stdout, BatonJson.Default.RouterAddResponse)!;
        Assert.Equal(sshd.HostKeyFingerprint(), response.Router.HostKey!.Fingerprint);
        Assert.StartsWith($"command=\"{router.LinkCommand}\",restrict ", response.Router.AuthorizedKeysLine);
        sshd.Authorize(response.Router.AuthorizedKeysLine);
        // The key pair's private half is kept sealed with the data directory's secrets.key: no key text on disk.
        if (app.DataDirectory is { } data) Assert.DoesNotContain("PRIVATE KEY", File.ReadAllText(Path.Combine(data, "routers.json")));
        var check = await app.CliAsync("router", "check", name);
        output.WriteLine(check.ToString());
        Assert.True(check.ExitCode == 0, check.ToString() + "\n" + router.Output + "\n" + string.Join("\n", sshd.Log.TakeLast(20)));
    }

    /// <summary>GET /version through a router on a new connection (asserting a 200).</summary>
    public static async Task<string> VersionAsync(Uri router, BlueGreenApp app)
    {
        var r = await RawHttp.SendAsync(router, "GET", "/version", app.Host);
        Assert.True(r.Status == 200, $"GET /version on {router} answered {r.Status}: {r.Body}");
        return r.Body.Trim();
    }

    /// <summary>Every router's own view of the app's service, by router name (local first, then each host).</summary>
    public static async Task<IReadOnlyList<(RouterView Router, RouterServiceView? Service)>> ViewsAsync(BlueGreenApp app)
    {
        var (status, body) = await app.ApiAsync(HttpMethod.Get, "api/routers");
        Assert.True(status == 200, body);
        var views = JsonSerializer.Deserialize(body, BatonJson.Default.RoutersResponse)!.Routers;
        return views.Select(v => (v, v.Services.FirstOrDefault(s => s.Service == app.Name))).ToList();
    }

    /// <summary>
    /// Asserts that every router answers and serves the app from the same pool and targets, with no candidate
    /// staged anywhere; returns that pool's name.
    /// </summary>
    public static async Task<string> AssertAgreeAsync(BlueGreenApp app, ITestOutputHelper output, params string[] names)
    {
        var views = await ViewsAsync(app);
        foreach (var (router, service) in views)
            output.WriteLine($"{router.Name}: {(router.Reachable ? $"router PID {router.Pid}, pool {service?.Pool}, targets {string.Join(" ", service?.Targets ?? [])}, candidate {service?.Candidate ?? "none"}" : "NOT REACHABLE: " + router.Problem)}");
        Assert.Equal(names.Order(StringComparer.Ordinal), views.Select(v => v.Router.Name).Order(StringComparer.Ordinal));
        foreach (var (router, service) in views)
        {
            Assert.True(router.Reachable, $"{router.Name}: {router.Problem}");
            Assert.NotNull(service);
            Assert.NotNull(service.Pool);
            Assert.Null(service.Candidate);
        }
        var first = views[0].Service!;
        foreach (var (router, service) in views.Skip(1))
        {
            Assert.True(first.Pool == service!.Pool, $"{router.Name} serves pool {service.Pool}, {views[0].Router.Name} serves {first.Pool}");
            Assert.Equal(first.Targets.Order(StringComparer.Ordinal), service.Targets.Order(StringComparer.Ordinal));
        }
        return first.Pool!;
    }
}
