namespace Baton.Hosts.Protocol;

/// <summary>
/// The operations <c>baton host</c> answers, and the arguments each takes. One request per channel, or, after a
/// <see cref="Session"/> line, one request at a time on the same channel; an argument an operation does not take is
/// refused, never ignored: the sender meant something by it.
/// </summary>
internal static class HostOps
{
    public const string Ping = "ping";
    public const string ImageInspect = "image.inspect";
    public const string ImagePull = "image.pull";
    public const string ContainerCreate = "container.create";
    public const string ContainerStart = "container.start";
    public const string ContainerStop = "container.stop";
    public const string ContainerKill = "container.kill";
    public const string ContainerRemove = "container.remove";
    public const string ContainerInspect = "container.inspect";
    public const string ContainerList = "container.list";
    public const string ContainerLogs = "container.logs";
    public const string ContainerWait = "container.wait";
    public const string NetworkExists = "network.exists";
    public const string Events = "events";

    /// <summary>
    /// Only as the first line of a channel: the agent answers ok, then answers one request line after another (each
    /// checked as a request of its own) until the input ends or none arrives for a while. Never <see cref="Events"/>.
    /// </summary>
    public const string Session = "session";

    /// <summary>The version of this protocol; ping answers with it so a controller can tell an older agent.</summary>
    public const int ProtocolVersion = 1;

    /// <summary>Each operation and the request fields it may carry besides <c>op</c> (their JSON names).</summary>
    public static readonly IReadOnlyDictionary<string, string[]> Arguments = new Dictionary<string, string[]>(StringComparer.Ordinal)
    {
        [Ping] = [],
        [ImageInspect] = ["image"],
        [ImagePull] = ["image", "credentials", "timeout"],
        [ContainerCreate] = ["spec"],
        [ContainerStart] = ["container"],
        [ContainerStop] = ["container", "timeout"],
        [ContainerKill] = ["container", "signal"],
        [ContainerRemove] = ["container", "force"],
        [ContainerInspect] = ["container"],
        [ContainerList] = ["labels"],
        [ContainerLogs] = ["container", "lines", "since", "timestamps"],
        [ContainerWait] = ["container", "timeout"],
        [NetworkExists] = ["network"],
        [Events] = ["labels", "since"],
        [Session] = [],
    };

    /// <summary>The operations that act on one existing container: each first inspects it and checks its service.</summary>
    public static bool OnContainer(string op) => op is ContainerStart or ContainerStop or ContainerKill or ContainerRemove
        or ContainerInspect or ContainerLogs or ContainerWait;
}
