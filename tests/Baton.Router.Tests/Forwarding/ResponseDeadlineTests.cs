using Baton.Router.Forwarding;

namespace Baton.Router.Tests.Forwarding;

/// <summary>
/// A finished request's deadline gives its source to the next request only when it never fired, and
/// stopped: the next request starts with a wait of its own.
/// </summary>
public sealed class ResponseDeadlineTests
{
    [Fact]
    public async Task ArmedThenDisposed_TheNextDeadlineIsNotCancelledWhenTheFirstWouldHaveFired()
    {
        var first = new ResponseDeadline(TimeSpan.FromMilliseconds(100), TimeProvider.System);
        first.Arm();
        first.Dispose();

        // Every source kept so far is taken, so the one the first deadline left is among them.
        var next = Enumerable.Range(0, 64).Select(_ => new ResponseDeadline(TimeSpan.FromSeconds(60), TimeProvider.System)).ToList();
        await Task.Delay(500);

        Assert.All(next, d => Assert.False(d.Expired));
        next.ForEach(d => d.Dispose());
    }

    [Fact]
    public async Task Expired_ItsSourceIsNotKept_TheNextStartsClean()
    {
        var first = new ResponseDeadline(TimeSpan.FromMilliseconds(20), TimeProvider.System);
        first.Arm();
        for (int i = 0; i < 500 && !first.Expired; i++) await Task.Delay(10);
        Assert.True(first.Expired);
        first.Dispose();

        var next = Enumerable.Range(0, 64).Select(_ => new ResponseDeadline(TimeSpan.FromSeconds(60), TimeProvider.System)).ToList();

        Assert.All(next, d => Assert.False(d.Token.IsCancellationRequested));
        next.ForEach(d => d.Dispose());
    }

    [Fact]
    public void Disposed_ArmingAgainChangesNothing()
    {
        var deadline = new ResponseDeadline(TimeSpan.FromMilliseconds(1), TimeProvider.System);
        deadline.Dispose();
        var next = new ResponseDeadline(TimeSpan.FromSeconds(60), TimeProvider.System);

        deadline.Arm(); // too late: the request is over (and its source may be the next one's)
        Thread.Sleep(100);

        Assert.False(next.Expired);
        next.Dispose();
    }
}
