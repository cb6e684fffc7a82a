using Baton.Deploy.ServiceFile;
using Baton.Docker;

namespace Baton.Deploy.Servers;

/// <summary>
/// The controller's own engine (if any) and the app servers' engines as one: the deployer's
/// strategies work unchanged across servers. A server's container id carries its server
/// (<c>app1/3f2c…</c>; Docker ids and names never hold a slash) while the local engine's ids stay
/// as they are; a new container goes to the server its <see cref="ContainerLabels.Server"/> label
/// names (none: the local engine); lists and events span every engine. A server that fails a call
/// fails the whole call with a sentence naming it: a deploy never goes on with part of its servers unseen.
/// Servers come and go (<see cref="Update"/>) as hosts are added and removed.
/// </summary>
public sealed class ServerFleet : IContainerEngine
{
    private readonly IContainerEngine? _local;
    private volatile Dictionary<string, AppServer> _servers = new(StringComparer.Ordinal);

    /// <param name="local">The controller's own engine; null when it runs none.</param>
    public ServerFleet(IContainerEngine? local, IEnumerable<AppServer>? servers = null)
    {
        _local = local;
        if (servers is not null) Update(servers);
        Containers = new FleetContainers(this);
        Images = new FleetImages(this);
        Events = new FleetEvents(this);
    }

    /// <summary>Replaces the app servers (a host added, changed or removed).</summary>
    public void Update(IEnumerable<AppServer> servers) => _servers = servers.ToDictionary(s => s.Name, StringComparer.Ordinal);

    public IReadOnlyCollection<AppServer> Servers => _servers.Values;

    public string Description => string.Join(", ", Members.Select(m => m.Name.Length == 0 ? "this machine's engine" : "server " + m.Name));

    public IContainers Containers { get; }

    public IImages Images { get; }

    public IEvents Events { get; }

    /// <summary>The controller's own engine, if it runs one.</summary>
    internal IContainerEngine? Local => _local;

    /// <summary>The server named, if it is in this fleet.</summary>
    public AppServer? Server(string name) => _servers.GetValueOrDefault(name);

    /// <summary>
    /// The engines a service's images and networks must be on: its servers, or the local engine
    /// when it names none; an error sentence when it names a server this controller does not know.
    /// </summary>
    public DockerResult<IContainerEngine> For(ServerPlacement? placement)
    {
        if (placement is null)
            return _local is not null ? DockerResult<IContainerEngine>.Of(_local)
                : new DockerError(DockerErrorKind.EngineUnreachable, "This controller runs no Docker engine of its own; name the service's servers in baton.yml (servers: [app1]).");
        var servers = new List<AppServer>();
        foreach (var name in placement.All)
        {
            if (Server(name) is not { } server) return Unknown(name);
            servers.Add(server);
        }
        return new ServerFleet(null, servers);
    }

    /// <summary>The first of <paramref name="names"/> that is drained (<c>baton host drain</c>), or null.</summary>
    public string? FirstDrained(IEnumerable<string> names) => names.FirstOrDefault(n => Server(n)?.Drained == true);

    /// <summary>The sentence for a drained server that a deploy would need.</summary>
    public static string DrainedSentence(string name) => $"{name} is drained (baton host resume {name} brings it back)";

    /// <summary>The server a fleet id names ("" for the local engine's).</summary>
    public static string ServerOf(string id)
    {
        var slash = id.IndexOf('/', StringComparison.Ordinal);
        return slash > 0 ? id[..slash] : "";
    }

    /// <summary>The sentence for a server name that no host added to this controller carries.</summary>
    public static DockerError Unknown(string name) =>
        new(DockerErrorKind.Engine, $"Server {name} is not known to this controller; add it with `baton host add {name} --ssh USER@ADDRESS`.");

    public Task<DockerResult> NetworkExistsAsync(string name, CancellationToken ct) =>
        AllAsync(e => e.NetworkExistsAsync(name, ct));

    /// <summary>The id a fleet gives a container of <paramref name="server"/> (empty: the local engine's, as it is).</summary>
    public static string Id(string server, string id) => server.Length == 0 ? id : $"{server}/{id}";

    /// <summary>Every engine with its name ("" for the local one).</summary>
    internal IReadOnlyList<(string Name, IContainerEngine Engine)> Members
    {
        get
        {
            var members = new List<(string, IContainerEngine)>();
            if (_local is not null) members.Add(("", _local));
            members.AddRange(_servers.Values.Select(s => (s.Name, s.Engine)));
            return members;
        }
    }

    /// <summary>The engine of a fleet id and that engine's own id.</summary>
    internal DockerResult<(string Name, IContainerEngine Engine, string Id)> Locate(string id)
    {
        var slash = id.IndexOf('/', StringComparison.Ordinal);
        if (slash < 0 && _local is not null) return ("", _local, id);
        if (slash > 0 && Server(id[..slash]) is { } server) return (server.Name, server.Engine, id[(slash + 1)..]);
        return new DockerError(DockerErrorKind.ContainerNotFound, slash > 0 ? $"Container {id[(slash + 1)..]} is on server {id[..slash]}, which this controller no longer knows." : $"Container {id} is on no engine of this controller.");
    }

    /// <summary>Runs a call on every engine at once; the first failure is the answer.</summary>
    internal async Task<DockerResult> AllAsync(Func<IContainerEngine, Task<DockerResult>> call)
    {
        var results = await Task.WhenAll(Members.Select(m => call(m.Engine))).ConfigureAwait(false);
        return results.FirstOrDefault(r => !r.IsSuccess) ?? DockerResult.Ok;
    }

    /// <summary>Runs a call on every engine at once, keeping each answer with its engine's name.</summary>
    internal async Task<DockerResult<IReadOnlyList<(string Name, T Value)>>> EachAsync<T>(Func<IContainerEngine, Task<DockerResult<T>>> call)
    {
        var members = Members;
        var results = await Task.WhenAll(members.Select(m => call(m.Engine))).ConfigureAwait(false);
        var values = new List<(string, T)>(members.Count);
        for (int i = 0; i < members.Count; i++)
        {
            if (!results[i].TryGetValue(out var value, out var error)) return error;
            values.Add((members[i].Name, value));
        }
        return values;
    }
}
