namespace Baton.Fuzz;

/// <summary>Runs kept inputs (a crash AFL++ found, or the corpus) through a target once each.</summary>
internal static class Replay
{
    public static int Run(Action<byte[]> target, IEnumerable<string> paths)
    {
        int failed = 0, ran = 0;
        foreach (var file in paths.SelectMany(p => Directory.Exists(p) ? Directory.EnumerateFiles(p, "*", SearchOption.AllDirectories) : [p]))
        {
            ran++;
            try
            {
                target(File.ReadAllBytes(file));
            }
            catch (Exception e)
            {
                failed++;
                Console.WriteLine($"{file}: {e.GetType().Name}: {e.Message}");
                Console.WriteLine(e.StackTrace?.Split('\n').FirstOrDefault()?.Trim());
            }
        }
        Console.WriteLine($"{ran} inputs, {failed} failed");
        return failed == 0 ? 0 : 1;
    }
}
