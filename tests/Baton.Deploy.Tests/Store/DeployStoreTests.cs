using Baton.Deploy.Store;

namespace Baton.Deploy.Tests.Store;

public sealed class DeployStoreTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("baton-store-").FullName;

    private DeployStore Open() => new(Path.Combine(_dir, "baton.db"), TimeProvider.System);

    [Fact]
    public void Deployment_StepsAndOutcome_SurviveReopen()
    {
        long id;
        using (var store = Open())
        {
            (id, _) = store.BeginDeployment("web", "deploy", "sample:v2", null, null, "admin", "service: web");
            store.UpdateDeployment(id, digest: "sha256:abc", color: "green");
            var step = store.BeginStep(id, "start");
            store.FinishStep(step, "ok", "1 container");
            store.FinishDeployment(id, Outcomes.Failed, "Not healthy within 60 s.");
        }
        using (var store = Open())
        {
            var d = store.GetDeployment(id)!;
            Assert.Equal("sha256:abc", d.Digest);
            Assert.Equal("green", d.Color);
            Assert.Equal(Outcomes.Failed, d.Outcome);
            Assert.Equal("Not healthy within 60 s.", d.Reason);
            Assert.NotNull(d.FinishedAt);
            var step = Assert.Single(d.Steps);
            Assert.Equal(("start", "ok", "1 container"), (step.Name, step.Outcome, step.Detail));
            Assert.Equal($"r{id}", d.Release);
            Assert.Empty(store.Unfinished());
        }
    }

    [Fact]
    public void TryLock_Second_ReturnsHolder_UntilUnlocked()
    {
        using var store = Open();
        Assert.Null(store.TryLock("web", 1, "alice"));
        var held = store.TryLock("web", 2, "bob");
        Assert.NotNull(held);
        Assert.Equal((1L, "alice"), (held.DeploymentId, held.Author));
        Assert.Equal(DeployStore.ThisProcess, held.Holder);
        Assert.Null(store.TryLock("api", 3, "bob"));
        store.Unlock("web", 1);
        Assert.Null(store.TryLock("web", 2, "bob"));
    }

    [Fact]
    public void History_NewestFirst_AndServicesRoundTrip()
    {
        using var store = Open();
        store.SaveService("web", "service: web\nimage: a\n", "admin");
        store.SaveService("web", "service: web\nimage: b\n", "admin");
        Assert.Equal("service: web\nimage: b\n", store.GetService("web"));
        Assert.Equal(["web"], store.ServiceNames());
        var (first, r1) = store.BeginDeployment("web", "deploy", "a:1", null, "blue", "admin", null);
        var (second, r2) = store.BeginDeployment("web", "deploy", "a:2", null, "green", "admin", null);
        Assert.Equal([second, first], store.History("web").Select(d => d.Id));
        Assert.Equal(2, store.Unfinished().Count);
        Assert.Equal(("r1", "r2"), (r1, r2));
    }

    [Fact]
    public void BeginDeployment_ReleasesNumberedPerService_RollbackKeepsItsRelease()
    {
        using var store = Open();
        Assert.Equal("r1", store.BeginDeployment("web", "deploy", "a:1", null, "blue", "admin", null).Release);
        Assert.Equal("r1", store.BeginDeployment("api", "deploy", "b:1", null, "blue", "admin", null).Release);
        Assert.Equal("r2", store.BeginDeployment("web", "deploy", "a:2", null, "green", "admin", null).Release);
        Assert.Equal("r1", store.BeginDeployment("web", "rollback", "a:1", null, "blue", "admin", null, "r1").Release);
        Assert.Equal("r3", store.BeginDeployment("web", "deploy", "a:3", null, "green", "admin", null).Release);
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
