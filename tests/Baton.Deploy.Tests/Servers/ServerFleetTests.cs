using Baton.Deploy.Servers;
using Baton.Deploy.ServiceFile;
using Baton.Docker;

namespace Baton.Deploy.Tests.Servers;

/// <summary>The fleet's routing of calls to engines, with fake engines (what each server's engine does is tested through the real agent).</summary>
public sealed class ServerFleetTests
{
    private static ContainerSpec Spec(string? server) => new()
    {
        Image = "web:1",
        Name = "web-blue-1",
        Labels = server is null ? new Dictionary<string, string>() : new Dictionary<string, string> { [ContainerLabels.Server] = server },
    };

    [Fact]
    public async Task Create_GoesToTheLabelledServer_AndTheIdCarriesIt()
    {
        var (local, app1, app2) = (new FakeEngine("l"), new FakeEngine("a"), new FakeEngine("b"));
        var fleet = new ServerFleet(local, [new AppServer("app1", "10.200.0.2", app1), new AppServer("app2", "10.200.0.3", app2)]);

        var onApp2 = (await fleet.Containers.CreateAsync(Spec("app2"))).Value;
        var onLocal = (await fleet.Containers.CreateAsync(Spec(null))).Value;

        Assert.Equal("app2/b1", onApp2);
        Assert.Equal("l1", onLocal); // the local engine's ids stay as they are
        Assert.Single(app2.Created);
        Assert.Empty(app1.Created);
        Assert.True((await fleet.Containers.StopAsync(onApp2)).IsSuccess);
        Assert.Equal(["b1"], app2.Stopped);
        Assert.Equal("app2/b1", (await fleet.Containers.InspectAsync(onApp2)).Value.Id);
    }

    [Fact]
    public void FirstDrained_NamesTheDrainedServerOfAPlacement()
    {
        var fleet = new ServerFleet(null, [new AppServer("app1", "10.200.0.2", new FakeEngine("a"), Drained: true), new AppServer("app2", "10.200.0.3", new FakeEngine("b"))]);
        Assert.Equal("app1", fleet.FirstDrained(["app2", "app1"]));
        Assert.Null(fleet.FirstDrained(["app2"]));
        Assert.Equal("app1 is drained (baton host resume app1 brings it back)", ServerFleet.DrainedSentence("app1"));
        Assert.Equal("app1", ServerFleet.ServerOf("app1/3f2c"));
        Assert.Equal("", ServerFleet.ServerOf("3f2c"));
    }

    [Fact]
    public async Task List_SpansEveryEngine_AndAFailingServerFailsIt()
    {
        var (local, app1) = (new FakeEngine("l"), new FakeEngine("a"));
        var fleet = new ServerFleet(local, [new AppServer("app1", "10.200.0.2", app1)]);
        await fleet.Containers.CreateAsync(Spec("app1"));
        await fleet.Containers.CreateAsync(Spec(null));

        var all = (await fleet.Containers.ListAsync("baton.service")).Value;
        Assert.Equal(["l1", "app1/a1"], all.Select(c => c.Id).OrderByDescending(i => i.Length == 2).ToList());

        app1.Down = true;
        var failed = await fleet.Containers.ListAsync("baton.service");
        Assert.False(failed.IsSuccess);
        Assert.Contains("a is down", failed.Error!.Message);
    }

    [Fact]
    public async Task UnknownServer_OneSentence_NothingCreated()
    {
        var local = new FakeEngine("l");
        var fleet = new ServerFleet(local);
        var made = await fleet.Containers.CreateAsync(Spec("app9"));
        Assert.Equal("Server app9 is not known to this controller; add it with `baton host add app9 --ssh USER@ADDRESS`.", made.Error!.Message);
        Assert.Empty(local.Created);
        Assert.False(fleet.For(new ServerPlacement(["app9"], ["app9"])).IsSuccess);
    }

    [Fact]
    public async Task ImagesOfAService_OnlyOnItsServers()
    {
        var (local, app1, app2) = (new FakeEngine("l"), new FakeEngine("a"), new FakeEngine("b"));
        var fleet = new ServerFleet(local, [new AppServer("app1", "10.200.0.2", app1), new AppServer("app2", "10.200.0.3", app2)]);
        app2.Images.Remove("web:1");

        var onApp1 = fleet.For(new ServerPlacement(["app1"], ["app1"])).Value;
        Assert.True((await onApp1.Images.InspectAsync("web:1")).IsSuccess);
        var onBoth = fleet.For(new ServerPlacement(["app1"], ["app2"])).Value;
        Assert.Equal(DockerErrorKind.ImageNotFound, (await onBoth.Images.InspectAsync("web:1")).Error!.Kind);
        Assert.True((await onBoth.Images.PullAsync("web:1")).IsSuccess);
        Assert.Contains("web:1", app2.Images);
        Assert.Same(local, fleet.For(null).Value);
    }

    /// <summary>An engine in memory: ids are its prefix and a counter.</summary>
    private sealed class FakeEngine(string prefix) : IContainerEngine, IContainers, IImages, IEvents
    {
        public List<ContainerSpec> Created { get; } = [];
        public List<string> Stopped { get; } = [];
        public HashSet<string> Images { get; } = ["web:1"];
        public bool Down { get; set; }

        public string Description => prefix;
        IContainers IContainerEngine.Containers => this;
        IImages IContainerEngine.Images => this;
        IEvents IContainerEngine.Events => this;
        public Task<DockerResult> NetworkExistsAsync(string name, CancellationToken ct) => Task.FromResult(DockerResult.Ok);

        private DockerError? Unreachable => Down ? new DockerError(DockerErrorKind.EngineUnreachable, $"{prefix} is down.") : null;

        public Task<DockerResult<string>> CreateAsync(ContainerSpec spec, CancellationToken cancellationToken = default)
        {
            Created.Add(spec);
            return Task.FromResult<DockerResult<string>>($"{prefix}{Created.Count}");
        }

        public Task<DockerResult> StartAsync(string container, CancellationToken cancellationToken = default) => Task.FromResult(DockerResult.Ok);

        public Task<DockerResult> StopAsync(string container, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
        {
            Stopped.Add(container);
            return Task.FromResult(DockerResult.Ok);
        }

        public Task<DockerResult> KillAsync(string container, string signal = "SIGKILL", CancellationToken cancellationToken = default) => Task.FromResult(DockerResult.Ok);
        public Task<DockerResult> RemoveAsync(string container, bool force = false, CancellationToken cancellationToken = default) => Task.FromResult(DockerResult.Ok);

        public Task<DockerResult<ContainerInfo>> InspectAsync(string container, CancellationToken cancellationToken = default) =>
            Task.FromResult<DockerResult<ContainerInfo>>(new ContainerInfo
            {
                Id = container, Name = "web-blue-1", Image = "web:1", ImageId = "sha256:1", Labels = new Dictionary<string, string>(),
                Status = "running", Running = true, NetworkAddresses = new Dictionary<string, string>(), Ports = [],
            });

        public Task<DockerResult<IReadOnlyList<ContainerSummary>>> ListAsync(IReadOnlyList<string> labels, CancellationToken cancellationToken = default)
        {
            if (Unreachable is { } down) return Task.FromResult<DockerResult<IReadOnlyList<ContainerSummary>>>(down);
            IReadOnlyList<ContainerSummary> list = [.. Created.Select((c, i) => new ContainerSummary($"{prefix}{i + 1}", c.Name!, c.Image, "sha256:1", "running", "Up", DateTimeOffset.UtcNow, c.Labels))];
            return Task.FromResult(DockerResult<IReadOnlyList<ContainerSummary>>.Of(list));
        }

        public Task<DockerResult<string>> LogsAsync(string container, int lines = 100, CancellationToken cancellationToken = default) => Task.FromResult<DockerResult<string>>("");
        public Task<DockerResult<long>> WaitAsync(string container, TimeSpan? timeout = null, CancellationToken cancellationToken = default) => Task.FromResult<DockerResult<long>>(0L);

        Task<DockerResult<ImageInfo>> IImages.InspectAsync(string reference, CancellationToken cancellationToken) =>
            Task.FromResult<DockerResult<ImageInfo>>(Images.Contains(reference)
                ? new ImageInfo("sha256:1", [reference], [], DateTimeOffset.UnixEpoch, 1)
                : new DockerError(DockerErrorKind.ImageNotFound, $"No such image: {reference}."));

        public Task<DockerResult<ImageInfo>> PullAsync(string reference, RegistryCredentials? credentials = null, IProgress<string>? progress = null, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
        {
            Images.Add(reference);
            return ((IImages)this).InspectAsync(reference, cancellationToken);
        }

        public Task<DockerResult<IEventSubscription>> SubscribeAsync(IReadOnlyList<string>? labels = null, DateTimeOffset? since = null, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException();
    }
}
