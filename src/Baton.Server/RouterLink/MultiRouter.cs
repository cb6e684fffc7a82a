using System.Diagnostics;
using Baton.Contracts;
using Baton.Deploy;
using Baton.Deploy.Rollouts;
using Baton.Hosts;
using Baton.Hosts.Ssh;
using Baton.Hosts.Store;
using Microsoft.Extensions.Logging;

namespace Baton.Server.RouterLink;

/// <summary>
/// Every router the controller drives, as one: its own (<c>local</c>) and each router host added
/// with <c>baton router add</c> (<c>&lt;data&gt;/routers.json</c>), reached through an SSH channel to
/// <c>baton router link</c>. A switch lands on every router or on none: the new pool is staged
/// (prepared) on each, committed on each only when all are staged, and a commit that fails on one
/// router is undone on those already switched. With no router host added it is the local router
/// alone, call for call.
/// </summary>
/// <remarks>
/// Reads that describe one release (live pool, canary share, staging URL) come from the first
/// router that answers, the local one first; the numbers a canary or a watch is judged on are
/// summed, since a floating IP or DNS splits the traffic across the routers.
/// </remarks>
internal sealed partial class MultiRouter(IRouterAccess local, HostStore routers, SshTransportOptions ssh, ILogger<MultiRouter> logger) : IRouterAccess, IDisposable
{
    /// <summary>The controller's own router in sentences and views.</summary>
    public const string LocalName = "local";

    /// <summary>The file of router hosts in the data directory, apart from the app servers' <c>hosts.json</c>.</summary>
    public const string FileName = "routers.json";

    /// <summary>The forced command a router host's key is bound to unless it is added with another.</summary>
    public const string DefaultCommand = RouterLinkRelay.DefaultCommand;

    private readonly Lock _gate = new();
    private readonly Dictionary<string, Member> _remote = new(StringComparer.Ordinal);
    private readonly Dictionary<string, RouteSpec> _routes = new(StringComparer.Ordinal);
    private readonly Member _local = new(LocalName, null, local, null, null);

    /// <summary>One router: its client, or why it has none (no pinned host key).</summary>
    private sealed record Member(string Name, StoredHost? Entry, IRouterAccess? Router, string? Problem, IDisposable? Owned)
    {
        public IRouterAccess Use() => Router ?? throw new RouterUnavailableException(Problem!);
    }

    /// <summary>The local router, then each router host, in name order; clients made again when an entry changed (re-pinned, re-added).</summary>
    private List<Member> Members()
    {
        var stored = routers.List();
        lock (_gate)
        {
            foreach (var gone in _remote.Keys.Where(n => stored.All(s => s.Name != n)).ToList())
            {
                _remote[gone].Owned?.Dispose();
                _remote.Remove(gone);
            }
            var list = new List<Member> { _local };
            foreach (var entry in stored)
            {
                if (!_remote.TryGetValue(entry.Name, out var member) || member.Entry != entry)
                {
                    member?.Owned?.Dispose();
                    member = _remote[entry.Name] = Connect(entry);
                }
                list.Add(member);
            }
            return list;
        }
    }

    private Member Connect(StoredHost entry)
    {
        if (entry.HostKey is not { } pin)
            return new Member(entry.Name, entry, null, $"The router {entry.Name} ({entry.Ssh}) has no pinned host key yet; `baton router check {entry.Name}` pins it.", null);
        var transport = new SshTransport(entry.Name, entry.Ssh, entry.Key, pin, new SshTransportOptions
        {
            ConnectTimeout = ssh.ConnectTimeout,
            KeepAliveInterval = ssh.KeepAliveInterval,
            CommandText = "baton-router", // replaced on the host by the key's forced command
        });
        var who = $"The router {entry.Name} ({entry.Ssh})";
        var router = new RemoteRouter(who, async (_, ct) =>
        {
            try
            {
                return new SshLinkStream(await transport.OpenAsync(ct).ConfigureAwait(false), who);
            }
            catch (HostUnreachableException e)
            {
                throw new RouterUnavailableException(e.Message);
            }
        }, keepConnections: true);
        return new Member(entry.Name, entry, router, null, new Owned(router, transport));
    }

    private sealed class Owned(RemoteRouter router, SshTransport transport) : IDisposable
    {
        public void Dispose()
        {
            router.Dispose();
            transport.Dispose();
        }
    }

    /// <summary>True when router hosts are added: the controller's calls then span several routers.</summary>
    public bool Several => routers.List().Count > 0;

    // IRouterControl: the deployer's calls.

    /// <summary>
    /// Prepare: stages the pool on every router at once. When one fails (unhealthy there, or
    /// unreachable) the others stop waiting, every router that can be reached drops its candidate,
    /// and the failure names the router. An unreachable router is an exception (one sentence);
    /// for a standby pool (the old release kept warm in a watch) it is the returned reason instead.
    /// </summary>
    public async Task<string?> StageAsync(string service, RouteSpec routes, string pool, IReadOnlyList<string> targets, TimeSpan deployTimeout, CancellationToken cancellationToken, bool standby = false, string? release = null)
    {
        var members = Members();
        if (members.Count == 1) return await local.StageAsync(service, routes, pool, targets, deployTimeout, cancellationToken, standby, release).ConfigureAwait(false);
        lock (_gate) _routes[service] = routes;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        Member? first = null; // the router that failed first; the others' stages were then cancelled by it
        var staged = await Task.WhenAll(members.Select(m => Task.Run(async () =>
        {
            try
            {
                var failure = await m.Use().StageAsync(service, routes, pool, targets, deployTimeout, stop.Token, standby, release).ConfigureAwait(false);
                if (failure is not null)
                {
                    Interlocked.CompareExchange(ref first, m, null);
                    await stop.CancelAsync().ConfigureAwait(false);
                }
                return (Member: m, Failure: failure, Unreachable: (string?)null);
            }
            catch (RouterUnavailableException e)
            {
                Interlocked.CompareExchange(ref first, m, null);
                await stop.CancelAsync().ConfigureAwait(false);
                return (Member: m, Failure: (string?)null, Unreachable: e.Message);
            }
        }, CancellationToken.None))).ConfigureAwait(false);
        if (staged.All(s => s.Failure is null && s.Unreachable is null)) return null;

        // Roll back the prepared ones: no router keeps the candidate.
        foreach (var (member, _, unreachable) in staged)
            if (unreachable is null) Try(member, r => r.DropCandidate(service));
        var cause = staged.First(s => s.Member == first);
        if (cause.Unreachable is not null)
        {
            var sentence = $"{cause.Unreachable.TrimEnd('.')}; the new pool was staged on no router, and every router keeps serving what it served.";
            if (standby) return sentence;
            throw new RouterUnavailableException(sentence);
        }
        return $"On router {cause.Member.Name}: {cause.Failure}";
    }

    /// <summary>
    /// Commit: the staged candidate becomes the live pool on every router. Steps: 1. every router's
    /// live pool is read (the one to go back to; a router that does not answer now stops the switch
    /// before any commit, and the candidates are dropped); 2. all commit at once, each timed; 3. if
    /// one commit fails, the routers already switched are switched back to their old pool, and the
    /// failure names the router. The skew between the commits is logged and in the drain's note.
    /// </summary>
    public IDrain Switch(string service)
    {
        var members = Members();
        if (members.Count == 1) return local.Switch(service);

        // Step 1
        var before = Parallel(members, m => m.Use().Live(service));
        if (before.FirstOrDefault(b => b.Error is not null) is { Member: not null } absent)
        {
            foreach (var b in before.Where(b => b.Error is null)) Try(b.Member, r => r.DropCandidate(service));
            throw new RouterUnavailableException($"{absent.Error!.TrimEnd('.')}; the switch of {service} was made on no router (its candidate is dropped everywhere), so every router serves the release it served.");
        }

        // Step 2
        var clock = Stopwatch.StartNew();
        var commits = Parallel(members, m =>
        {
            var sent = clock.Elapsed;
            var drain = m.Use().Switch(service);
            return (Drain: drain, Sent: sent, Acked: clock.Elapsed);
        });
        var done = commits.Where(c => c.Error is null).ToList();

        // Step 3
        if (commits.FirstOrDefault(c => c.Error is not null) is { Member: not null } failed)
        {
            var back = new List<string>();
            foreach (var c in done)
            {
                var old = before.First(b => b.Member == c.Member).Value;
                if (SwitchBack(c.Member, service, old) is { } problem) back.Add($"{c.Member.Name} could not be switched back ({problem.TrimEnd('.')})");
                else back.Add($"{c.Member.Name} switched back to {old?.Name ?? "no pool"}");
            }
            foreach (var c in commits.Where(c => c.Error is not null && c.Member != failed.Member)) Try(c.Member, r => r.DropCandidate(service));
            LogSwitchedBack(logger, service, failed.Member.Name, string.Join("; ", back));
            throw new RouterUnavailableException(
                $"{failed.Error!.TrimEnd('.')}; the switch of {service} failed on router {failed.Member.Name}{(back.Count > 0 ? $", and was undone on the others ({string.Join("; ", back)})" : "")}, so the old release serves.");
        }

        var skew = done.Max(c => c.Value.Acked) - done.Min(c => c.Value.Sent);
        var spread = done.Max(c => c.Value.Acked) - done.Min(c => c.Value.Acked);
        var names = string.Join(", ", done.Select(c => $"{c.Member.Name} +{(c.Value.Acked - done.Min(d => d.Value.Acked)).TotalMilliseconds:0} ms"));
        LogSwitched(logger, service, done.Count, skew.TotalMilliseconds, spread.TotalMilliseconds, names);
        return new Drains(done.Select(c => (c.Member.Name, c.Value.Drain)).ToList(), logger,
            $"Switched on {done.Count} routers at once ({names}); skew at most {skew.TotalMilliseconds:0} ms (from the first commit sent to the last acknowledged)");
    }

    /// <summary>Puts a router that already switched back on its old pool: staged again (its targets still run), then switched; the service removed when it had none.</summary>
    /// <returns>Null when back; else why not.</returns>
    private string? SwitchBack(Member member, string service, LivePool? old)
    {
        try
        {
            var router = member.Use();
            if (old is null)
                return router.RemoveAsync(service, waitForDrain: false).GetAwaiter().GetResult();
            RouteSpec? routes;
            lock (_gate) routes = _routes.GetValueOrDefault(service);
            if (routes is null) return "the service's routes are not known to this controller since its start";
            var unstaged = router.StageAsync(service, routes, old.Name ?? "old", old.Targets, TimeSpan.FromSeconds(30), CancellationToken.None, release: old.Release).GetAwaiter().GetResult();
            if (unstaged is not null) return unstaged;
            _ = router.Switch(service).WaitAsync(CancellationToken.None);
            return null;
        }
        catch (RouterUnavailableException e)
        {
            return e.Message;
        }
    }

    /// <summary>Drops the candidate on every router that answers (an unreachable one is logged: it has none staged that could go live without a switch).</summary>
    public void DropCandidate(string service)
    {
        var members = Members();
        if (members.Count == 1)
        {
            local.DropCandidate(service);
            return;
        }
        foreach (var m in members) Try(m, r => r.DropCandidate(service));
    }

    public IDrain RetireCandidate(string service)
    {
        var members = Members();
        if (members.Count == 1) return local.RetireCandidate(service);
        var drains = Parallel(members, m => m.Use().RetireCandidate(service));
        foreach (var d in drains.Where(d => d.Error is not null)) LogCallFailed(logger, d.Member.Name, "retire", d.Error!);
        return new Drains(drains.Where(d => d.Error is null).Select(d => (d.Member.Name, d.Value!)).ToList(), logger, null);
    }

    /// <summary>A rolling batch's route-table update on every router; one that cannot be reached fails the batch, naming it.</summary>
    public IDrain Merge(string service, IReadOnlyCollection<string> remove, bool addCandidate, string? poolName)
    {
        var members = Members();
        if (members.Count == 1) return local.Merge(service, remove, addCandidate, poolName);
        var drains = Parallel(members, m => m.Use().Merge(service, remove, addCandidate, poolName));
        if (drains.FirstOrDefault(d => d.Error is not null) is { Member: not null } failed)
            throw new RouterUnavailableException($"{failed.Error!.TrimEnd('.')}; this batch of {service} reached {string.Join(", ", drains.Where(d => d.Error is null).Select(d => d.Member.Name))} only.");
        return new Drains(drains.Select(d => (d.Member.Name, d.Value!)).ToList(), logger, null);
    }

    public string? SetCanary(string service, double percent) => Everywhere(m => m.Use().SetCanary(service, percent));

    public double CanaryPercent(string service) => First(r => r.CanaryPercent(service));

    /// <summary>Summed over the routers that answer: each sees its share of the traffic.</summary>
    public PoolNumbers Numbers(string service, IReadOnlyCollection<string> targets, int seconds)
    {
        var members = Members();
        if (members.Count == 1) return local.Numbers(service, targets, seconds);
        var numbers = Parallel(members, m => m.Use().Numbers(service, targets, seconds)).Where(n => n.Error is null).Select(n => n.Value!).ToList();
        if (numbers.Count == 0) return PoolNumbers.None;
        // The p95 of the union is not known from the parts; the slowest router's is the honest bound.
        var p95 = numbers.Where(n => n.P95Ms is not null).Select(n => n.P95Ms!.Value).DefaultIfEmpty().Max();
        return new PoolNumbers(numbers.Sum(n => n.Requests), numbers.Sum(n => n.Errors), numbers.Any(n => n.P95Ms is not null) ? p95 : null);
    }

    public LivePool? Live(string service) => First(r => r.Live(service));

    public (Uri? StagingUrl, string? StagingHost) Staging(string service, string pool) => local.Staging(service, pool);

    // IRouterAccess: the admin API's calls. Reads are the local router's; changes go to every router.

    public bool Routes(string service) => local.Routes(service);

    public string? RouteConflict(string service, IReadOnlyList<string> hosts, string path, string staging) => local.RouteConflict(service, hosts, path, staging);

    public async Task<string?> RemoveAsync(string service, bool waitForDrain)
    {
        var members = Members();
        if (members.Count == 1) return await local.RemoveAsync(service, waitForDrain).ConfigureAwait(false);
        var answers = await Task.WhenAll(members.Select(async m =>
        {
            try
            {
                return (m.Name, Error: await m.Use().RemoveAsync(service, waitForDrain).ConfigureAwait(false));
            }
            catch (RouterUnavailableException e)
            {
                return (m.Name, Error: (string?)e.Message);
            }
        })).ConfigureAwait(false);
        return answers.FirstOrDefault(a => a.Error is not null) is { Error: not null } failed ? $"On router {failed.Name}: {failed.Error}" : null;
    }

    public StatusResponse Status() => local.Status();

    public ServiceStatus? Status(string service) => local.Status(service);

    public string? Pause(string service, TimeSpan max) => Everywhere(m => m.Use().Pause(service, max));

    public string? Resume(string service) => Everywhere(m => m.Use().Resume(service));

    public string? Maintenance(string service, bool on, string? message) => Everywhere(m => m.Use().Maintenance(service, on, message));

    public string Metrics() => local.Metrics();

    public RouterAnswerCounts AnswersOf(string service) => local.AnswersOf(service);

    public TrafficResponse? Traffic(string service) => local.Traffic(service);

    public RouterProcessResponse Process(string? message = null) => local.Process(message);

    public Task<TargetsStart> StartTargetsAsync(string service, DeployRequest body, CancellationToken stopping) =>
        Several
            // A --target deploy runs inside one router process, start to end; it cannot be prepared and committed across routers.
            ? Task.FromResult(TargetsStart.Refused(409, "A --target deploy runs inside one router, and this controller switches several (baton router list); deploy an image with a service file instead."))
            : local.StartTargetsAsync(service, body, stopping);

    /// <summary>Each router's view, asked of all at once: reachable or why not, its router process, and what each service is live on.</summary>
    /// <param name="only">One router's name: its view alone.</param>
    public async Task<IReadOnlyList<RouterView>> ViewsAsync(string? only = null)
    {
        var members = Members().Where(m => only is null || m.Name == only).ToList();
        var views = await Task.WhenAll(members.Select(m => Task.Run(() =>
        {
            var key = m.Entry?.HostKey is { } k ? new HostKeyView(k.Algorithm, k.Fingerprint) : null;
            try
            {
                var router = m.Use();
                var process = router.Process();
                var services = router.Status().Services
                    .Select(s => new RouterServiceView(s.Name, s.Active?.Name, s.Active?.Targets.Select(t => t.Address).ToList() ?? [], s.Candidate?.Name ?? (s.Candidate is null ? null : "candidate")))
                    .ToList();
                return new RouterView(m.Name, m.Entry?.Ssh.ToString(), true, null, process.Pid, services, key);
            }
            catch (RouterUnavailableException e)
            {
                return new RouterView(m.Name, m.Entry?.Ssh.ToString(), false, e.Message, null, [], key);
            }
        }))).ConfigureAwait(false);
        return views;
    }

    /// <summary>
    /// Runs <paramref name="call"/> on every router at once, each on a thread of its own (the calls block
    /// until their router answers, and a commit must not wait for the thread pool to grow: the switch
    /// skew); each result or the sentence of its failure.
    /// </summary>
    private static List<(Member Member, T? Value, string? Error)> Parallel<T>(List<Member> members, Func<Member, T> call) =>
        Task.WhenAll(members.Select(m => Task.Factory.StartNew(() =>
        {
            try
            {
                return (m, call(m), (string?)null);
            }
            catch (RouterUnavailableException e)
            {
                return (m, default(T), e.Message);
            }
            catch (InvalidOperationException e)
            {
                // The router's own refusal (no candidate staged there): a sentence naming it.
                return (m, default(T), $"The router {m.Name} refused: {e.Message}");
            }
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default))).GetAwaiter().GetResult().ToList();

    /// <summary>A change made on every router; null when all took it, else the first refusal or failure, naming its router.</summary>
    private string? Everywhere(Func<Member, string?> call)
    {
        var members = Members();
        if (members.Count == 1) return call(members[0]);
        var answers = Parallel(members, call);
        return answers.FirstOrDefault(a => a.Error is not null || a.Value is not null) is { Member: not null } failed
            ? $"On router {failed.Member.Name}: {failed.Error ?? failed.Value}"
            : null;
    }

    /// <summary>The first router that answers, the local one first.</summary>
    private T First<T>(Func<IRouterAccess, T> read)
    {
        var members = Members();
        RouterUnavailableException? last = null;
        foreach (var m in members)
        {
            try
            {
                return read(m.Use());
            }
            catch (RouterUnavailableException e)
            {
                last = e;
            }
        }
        throw last!;
    }

    private void Try(Member member, Action<IRouterAccess> call)
    {
        try
        {
            call(member.Use());
        }
        catch (RouterUnavailableException e)
        {
            LogCallFailed(logger, member.Name, "drop the candidate", e.Message);
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            foreach (var m in _remote.Values) m.Owned?.Dispose();
            _remote.Clear();
        }
    }

    /// <summary>The old pools' drains on every router that switched: waited for together, their cut requests summed.</summary>
    private sealed class Drains(List<(string Router, IDrain Drain)> drains, ILogger logger, string? note) : IDrain
    {
        public string? Note => note;

        public async Task<int> WaitAsync(CancellationToken cancellationToken)
        {
            var cut = await Task.WhenAll(drains.Select(async d =>
            {
                try
                {
                    return await d.Drain.WaitAsync(cancellationToken).ConfigureAwait(false);
                }
                catch (RouterUnavailableException e)
                {
                    LogCallFailed(logger, d.Router, "drain", e.Message);
                    return 0;
                }
            })).ConfigureAwait(false);
            return cut.Sum();
        }
    }

    [LoggerMessage(EventId = LogEvents.RoutersSwitched, Level = LogLevel.Information, Message = "Switched {Service} on {Count} routers: skew at most {SkewMs:0} ms (first commit sent to last acknowledged), acknowledgements {SpreadMs:0} ms apart ({Routers})")]
    private static partial void LogSwitched(ILogger logger, string service, int count, double skewMs, double spreadMs, string routers);

    [LoggerMessage(EventId = LogEvents.RouterCallFailed, Level = LogLevel.Warning, Message = "Router {Router}: could not {What}: {Reason}")]
    private static partial void LogCallFailed(ILogger logger, string router, string what, string reason);

    [LoggerMessage(EventId = LogEvents.RoutersSwitchedBack, Level = LogLevel.Warning, Message = "The switch of {Service} failed on router {Router}; undone on the others: {Back}")]
    private static partial void LogSwitchedBack(ILogger logger, string service, string router, string back);
}
