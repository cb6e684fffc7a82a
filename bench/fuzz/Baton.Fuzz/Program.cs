using Baton.Fuzz;

// baton-fuzz afl TARGET                 one AFL++ run of a target (started by afl-fuzz, input on stdin)
// baton-fuzz replay TARGET FILE|DIR...  runs each input once; prints the first exception of each that fails
// baton-fuzz query SECONDS              FsCheck properties of the admin API's query and route values against a real server
if (args is ["afl", var aflTarget] && FuzzTargets.All.TryGetValue(aflTarget, out var target))
{
    SharpFuzz.Fuzzer.OutOfProcess.Run(stream =>
    {
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        target(copy.ToArray());
    });
    return 0;
}
if (args is ["replay", var replayTarget, .. var paths] && FuzzTargets.All.TryGetValue(replayTarget, out var replay))
    return Replay.Run(replay, paths);
if (args is ["query", var seconds] && int.TryParse(seconds, out var s))
    return await QueryProperties.RunAsync(TimeSpan.FromSeconds(s));
Console.Error.WriteLine($"usage: baton-fuzz afl|replay TARGET [FILES] | query SECONDS; targets: {string.Join(", ", FuzzTargets.All.Keys)}");
return 2;
