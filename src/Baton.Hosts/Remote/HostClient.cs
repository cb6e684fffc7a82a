using Baton.Docker;
using Baton.Hosts.Protocol;

namespace Baton.Hosts.Remote;

/// <summary>Calls on a host that are not engine calls; <c>baton host check</c> uses <see cref="PingAsync"/>.</summary>
public static class HostClient
{
    /// <summary>
    /// Asks the host's agent who it is: its name, its engine's version and what its config allows. Success means the
    /// whole path works: the transport, the forced command, the config and the engine.
    /// </summary>
    /// <remarks>One call: a channel of its own, no session kept open after it.</remarks>
    public static async Task<DockerResult<HostInfo>> PingAsync(IHostTransport transport, RemoteEngineOptions? options = null, CancellationToken ct = default)
    {
        await using var engine = new RemoteEngine(transport, (options ?? new RemoteEngineOptions()) with { SessionChannels = 0 });
        return await engine.PingAsync(ct).ConfigureAwait(false);
    }
}
