namespace Baton.FunctionalTests.Infrastructure;

public static class Wait
{
    public static readonly TimeSpan Default = TimeSpan.FromSeconds(10);

    /// <summary>Polls until <paramref name="condition"/> holds, failing the test with <paramref name="what"/> after the timeout.</summary>
    public static async Task UntilAsync(Func<Task<bool>> condition, string what, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? Default);
        while (true)
        {
            if (await condition()) return;
            if (DateTime.UtcNow > deadline) Assert.Fail($"Timed out waiting until {what}.");
            await Task.Delay(50);
        }
    }

    public static Task UntilAsync(Func<bool> condition, string what, TimeSpan? timeout = null) =>
        UntilAsync(() => Task.FromResult(condition()), what, timeout);

    /// <summary>Awaits <paramref name="task"/> or fails the test when it takes longer than the timeout.</summary>
    public static async Task<T> ForAsync<T>(Task<T> task, string what, TimeSpan? timeout = null)
    {
        var finished = await Task.WhenAny(task, Task.Delay(timeout ?? Default));
        if (finished != task) Assert.Fail($"Timed out waiting for {what}.");
        return await task;
    }
}
