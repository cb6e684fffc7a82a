using Baton.Docker;
using YamlDotNet.RepresentationModel;

namespace Baton.Deploy.ServiceFile;

/// <summary><c>healthcheck:</c> of baton.yml: the engine's own check in the container, as compose writes it.</summary>
public static partial class ServiceFileParser
{
    private static EngineHealthcheck? ParseHealthcheck(Reader r, YamlMappingNode root)
    {
        if (r.Map(root, "healthcheck") is not { } map) return null;
        r.CheckKeys(map, "healthcheck.", ["test", "interval", "timeout", "retries", "start_period"]);
        IReadOnlyList<string>? test = null;
        switch (r.ValueNode(map, "test"))
        {
            case null:
                r.Missing(map, "healthcheck.test", "the command the engine runs in the container, e.g. [CMD, wget, -q, -O-, http://127.0.0.1:8000/health]");
                break;
            case YamlScalarNode { Value: { Length: > 0 } line }:
                test = ["CMD-SHELL", line]; // one line runs in the container's shell, as compose does
                break;
            case YamlSequenceNode seq when seq.Children.Count > 0 && seq.Children.All(c => c is YamlScalarNode { Value.Length: > 0 }):
                var words = seq.Children.Select(c => ((YamlScalarNode)c).Value!).ToList();
                if (words[0] == "NONE")
                    r.Error(seq, "healthcheck.test", "NONE turns the check off, and then nothing can gate the release on it: leave healthcheck out (Baton then probes health.path)");
                else if (words[0] is not ("CMD" or "CMD-SHELL") || words.Count < 2)
                    r.Error(seq, "healthcheck.test", "a list starts with CMD (then the program and its arguments) or CMD-SHELL (then one command line)");
                else test = words;
                break;
            case var other:
                r.Error(other, "healthcheck.test", "expected a command: a list such as [CMD, wget, -q, -O-, http://127.0.0.1:8000/health] or one shell line");
                break;
        }
        var interval = r.Duration(map, "interval", "healthcheck.interval", TimeSpan.FromMilliseconds(100), TimeSpan.FromHours(1));
        var timeout = r.Duration(map, "timeout", "healthcheck.timeout", TimeSpan.FromMilliseconds(100), TimeSpan.FromHours(1));
        var retries = r.Int(map, "retries", "healthcheck.retries", 1, 100);
        var startPeriod = r.Duration(map, "start_period", "healthcheck.start_period", TimeSpan.Zero, TimeSpan.FromHours(1));
        return test is null ? null : new EngineHealthcheck(test, interval, timeout, retries, startPeriod);
    }
}
