using System.Globalization;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace Baton.Deploy.ServiceFile;

/// <summary>Why a service file was refused before it was read into a model.</summary>
public enum ServiceFileRefusal
{
    /// <summary>More text than <see cref="ServiceFileLimits.MaxChars"/>: answered 413.</summary>
    TooLarge,
    /// <summary>Nested deeper than <see cref="ServiceFileLimits.MaxDepth"/>: answered 400.</summary>
    TooDeep,
    /// <summary>A list or mapping longer than <see cref="ServiceFileLimits.MaxItems"/>, or more than <see cref="ServiceFileLimits.MaxNodes"/> values in all: answered 400.</summary>
    TooMany,
    /// <summary>A mapping key that is not plain text (a list, a mapping or an alias): answered 400.</summary>
    ComplexKey,
}

/// <summary>
/// Bounds a service file before YamlDotNet builds its node tree, which recurses once per level
/// of nesting: 50,000 <c>[</c> overflowed the stack and took the whole process with it. The
/// check walks YamlDotNet's event stream, whose parser keeps its own stack on the heap, and stops
/// at the first bound crossed, so it costs at most one pass over <see cref="MaxChars"/> characters.
/// Real service files are a few kilobytes, three levels deep, with tens of entries.
/// </summary>
public static class ServiceFileLimits
{
    /// <summary>Most characters in a file (256 Ki): a hundred times the largest real one.</summary>
    public const int MaxChars = 256 * 1024;

    /// <summary>Most levels of lists and mappings, the top-level mapping counting as one (the deepest field, <c>env.NAME.secret</c>, is at three).</summary>
    public const int MaxDepth = 16;

    /// <summary>Most entries in one list or mapping (env variables, hosts, smoke checks…).</summary>
    public const int MaxItems = 1000;

    /// <summary>Most values (scalars, lists, mappings) in the whole file.</summary>
    public const int MaxNodes = 20_000;

    /// <summary>Null when the file is within every bound, else why not and one sentence saying so.</summary>
    public static (ServiceFileRefusal Kind, string Message)? Check(string text, string fileName = "baton.yml")
    {
        if (text.Length > MaxChars)
            return (ServiceFileRefusal.TooLarge, $"{fileName} has {N(text.Length)} characters; a service file may have at most {N(MaxChars)}");

        // Per open collection: is it a mapping, and how many events (keys and values) it has had.
        var open = new Stack<(bool IsMapping, int Count)>();
        int nodes = 0;
        var parser = new Parser(new StringReader(text));
        try
        {
            while (parser.MoveNext())
            {
                var e = parser.Current!;
                if (e is MappingEnd or SequenceEnd)
                {
                    open.Pop();
                    continue;
                }
                if (e is not (Scalar or AnchorAlias or MappingStart or SequenceStart)) continue;
                var line = e.Start.Line;
                if (open.TryPop(out var parent))
                {
                    bool isKey = parent.IsMapping && parent.Count % 2 == 0;
                    parent.Count++;
                    open.Push(parent);
                    if (isKey && e is not Scalar)
                        return (ServiceFileRefusal.ComplexKey, $"{fileName} line {line}: a key must be plain text, not a list, a mapping or an alias");
                    if (parent.Count > (parent.IsMapping ? 2 * MaxItems : MaxItems))
                        return (ServiceFileRefusal.TooMany, $"{fileName} line {line}: a list or mapping has more than {N(MaxItems)} entries, more than a service file may have");
                }
                if (++nodes > MaxNodes)
                    return (ServiceFileRefusal.TooMany, $"{fileName} line {line}: the file has more than {N(MaxNodes)} values, more than a service file may have");
                if (e is MappingStart or SequenceStart)
                {
                    if (open.Count >= MaxDepth)
                        return (ServiceFileRefusal.TooDeep, $"{fileName} line {line}: lists and mappings are nested more than {MaxDepth} deep, deeper than a service file may be");
                    open.Push((e is MappingStart, 0));
                }
            }
        }
        catch (Exception e) when (e is YamlException or InvalidOperationException or ArgumentException)
        {
            // Not YAML: within the bounds up to the error, and the parser reports the error itself
            // (it stops at the same place, so it never reads past what was checked). YamlDotNet
            // throws the other two on some broken input (found by bench/fuzz.sh: a plain scalar
            // cut by a stray character, a tag that is not a URI).
        }
        return null;
    }

    private static string N(int n) => n.ToString("N0", CultureInfo.InvariantCulture);
}
