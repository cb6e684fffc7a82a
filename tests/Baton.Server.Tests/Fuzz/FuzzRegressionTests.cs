using Baton.Fuzz;

namespace Baton.Server.Tests.Fuzz;

/// <summary>
/// Replays every input bench/fuzz.sh kept through its target: the corpus (inputs that reached
/// new code) and each crash it found, so a crash is a failing test until fixed and stays a test after.
/// </summary>
public sealed class FuzzRegressionTests
{
    private static readonly string Root = Path.Combine(AppContext.BaseDirectory, "fuzz");

    public static TheoryData<string, string> Sets()
    {
        var sets = new TheoryData<string, string>();
        foreach (var kind in new[] { "corpus", "crashes" })
            foreach (var target in FuzzTargets.All.Keys)
                sets.Add(kind, target);
        return sets;
    }

    [Theory]
    [MemberData(nameof(Sets))]
    public void KeptInputs_RunThroughTheirTarget_WithoutAnException(string kind, string target)
    {
        var directory = Path.Combine(Root, kind, target);
        var files = Directory.Exists(directory) ? Directory.GetFiles(directory) : [];
        if (kind == "corpus") Assert.NotEmpty(files);
        var failures = new List<string>();
        foreach (var file in files)
        {
            try
            {
                FuzzTargets.All[target](File.ReadAllBytes(file));
            }
            catch (Exception e)
            {
                failures.Add($"{kind}/{target}/{Path.GetFileName(file)}: {e.GetType().Name}: {e.Message}");
            }
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }
}
