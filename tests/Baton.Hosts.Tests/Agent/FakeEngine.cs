using Baton.Docker;

namespace Baton.Hosts.Tests.Agent;

/// <summary>
/// An engine for the agent's unit tests: containers named web-N are of service web, billing-N of billing, nothing else
/// exists; inspecting web-slow never answers (until cancelled). Records what it was asked to do.
/// </summary>
internal sealed class FakeEngine : IContainerEngine, IContainers, IImages, IEvents
{
    private int connects;

    public int Connects => connects;

    public System.Collections.Concurrent.ConcurrentQueue<string> Acted { get; } = new();

    public void Connected() => Interlocked.Increment(ref connects);

    public string Description => "fake engine";

    public IContainers Containers => this;

    public IImages Images => this;

    public IEvents Events => this;

    public Task<DockerResult> NetworkExistsAsync(string name, CancellationToken ct) => Act($"network {name}");

    public async Task<DockerResult<ContainerInfo>> InspectAsync(string container, CancellationToken cancellationToken = default)
    {
        if (container == "web-slow") await Task.Delay(Timeout.Infinite, cancellationToken);
        var service = container.Split('-')[0];
        if (service is not ("web" or "billing"))
            return new DockerError(DockerErrorKind.ContainerNotFound, $"No such container: {container}.");
        return new ContainerInfo
        {
            Id = "id-" + container,
            Name = container,
            Image = "registry.example.com/team/web:1",
            ImageId = "sha256:1",
            Labels = new Dictionary<string, string> { ["baton.service"] = service },
            Status = "running",
            Running = true,
            NetworkAddresses = new Dictionary<string, string>(),
            Ports = [],
        };
    }

    public Task<DockerResult<string>> CreateAsync(ContainerSpec spec, CancellationToken cancellationToken = default)
    {
        Acted.Enqueue($"create {spec.Name}");
        return Task.FromResult<DockerResult<string>>("id-new");
    }

    public Task<DockerResult> StartAsync(string container, CancellationToken cancellationToken = default) => Act($"start {container}");

    public Task<DockerResult> StopAsync(string container, TimeSpan? timeout = null, CancellationToken cancellationToken = default) => Act($"stop {container}");

    public Task<DockerResult> KillAsync(string container, string signal = "SIGKILL", CancellationToken cancellationToken = default) => Act($"kill {container}");

    public Task<DockerResult> RemoveAsync(string container, bool force = false, CancellationToken cancellationToken = default) => Act($"remove {container}");

    public Task<DockerResult<IReadOnlyList<ContainerSummary>>> ListAsync(IReadOnlyList<string> labels, CancellationToken cancellationToken = default) =>
        Task.FromResult<DockerResult<IReadOnlyList<ContainerSummary>>>(Array.Empty<ContainerSummary>());

    public Task<DockerResult<string>> LogsAsync(string container, int lines = 100, CancellationToken cancellationToken = default) =>
        Task.FromResult<DockerResult<string>>("");

    public Task<DockerResult<long>> WaitAsync(string container, TimeSpan? timeout = null, CancellationToken cancellationToken = default) =>
        Task.FromResult<DockerResult<long>>(0L);

    Task<DockerResult<ImageInfo>> IImages.InspectAsync(string reference, CancellationToken cancellationToken) =>
        Task.FromResult<DockerResult<ImageInfo>>(new DockerError(DockerErrorKind.ImageNotFound, $"No such image: {reference}."));

    public Task<DockerResult<ImageInfo>> PullAsync(string reference, RegistryCredentials? credentials = null, IProgress<string>? progress = null,
        TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        Acted.Enqueue($"pull {reference}");
        return Task.FromResult<DockerResult<ImageInfo>>(new DockerError(DockerErrorKind.Engine, "not in this fake"));
    }

    public Task<DockerResult<IEventSubscription>> SubscribeAsync(IReadOnlyList<string>? labels = null, DateTimeOffset? since = null, CancellationToken cancellationToken = default)
    {
        Acted.Enqueue("events");
        return Task.FromResult<DockerResult<IEventSubscription>>(new DockerError(DockerErrorKind.Engine, "not in this fake"));
    }

    private Task<DockerResult> Act(string what)
    {
        Acted.Enqueue(what);
        return Task.FromResult(DockerResult.Ok);
    }
}
