using System.Text;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Baton.Deploy.ServiceFile;

/// <summary>
/// The values a baton.yml takes from outside itself, resolved by <c>baton apply</c> on the applying
/// machine, where the user's environment and files are: <c>{ from_env: NAME }</c> and
/// <c>{ from_file: PATH }</c> under <c>env:</c>, and <c>env_file:</c> (one path or a list of
/// <c>KEY=VALUE</c> files, read as compose reads them; an <c>env:</c> entry wins over a file's).
/// Each becomes <c>{ secret: VALUE }</c> before the file leaves the machine: the server stores it
/// encrypted and never shows it back (API, page, logs, history). The server refuses the
/// unresolved forms, since it cannot read the applying user's environment or files.
/// </summary>
public static class ServiceFileSecrets
{
    /// <param name="directory">Where the file is: relative paths are read from there.</param>
    /// <param name="environment">The applying user's environment.</param>
    /// <returns>The text to send (the same string when there is nothing to resolve), or one sentence naming what could not be read.</returns>
    public static (string? Yaml, string? Error) Resolve(string text, string fileName, string directory, Func<string, string?> environment)
    {
        // Bounded before YamlDotNet builds a tree (its construction recurses once per level): the server refuses such a file.
        if (ServiceFileLimits.Check(text, fileName) is not null) return (text, null);
        YamlStream stream = new();
        try
        {
            stream.Load(new StringReader(text));
        }
        catch (Exception e) when (e is YamlException or InvalidOperationException or ArgumentException)
        {
            return (text, null); // the server says what is wrong with it, with its line
        }
        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is not YamlMappingNode root) return (text, null);
        var env = root.Children.TryGetValue(new YamlScalarNode("env"), out var e2) ? e2 as YamlMappingNode : null;
        bool hasFile = root.Children.ContainsKey(new YamlScalarNode("env_file"));
        bool hasFrom = env?.Children.Values.Any(v => v is YamlMappingNode m && (m.Children.ContainsKey(new YamlScalarNode("from_env")) || m.Children.ContainsKey(new YamlScalarNode("from_file")))) == true;
        if (!hasFile && !hasFrom) return (text, null);

        env ??= new YamlMappingNode();
        foreach (var (key, value) in env.Children.ToList())
        {
            var name = (key as YamlScalarNode)?.Value ?? "";
            if (value is not YamlMappingNode m || m.Children.Count != 1) continue;
            var (kind, source) = ((m.Children.Keys.First() as YamlScalarNode)?.Value, (m.Children.Values.First() as YamlScalarNode)?.Value);
            string? resolved;
            switch (kind)
            {
                case "from_env":
                    if (string.IsNullOrEmpty(source)) return (null, $"{fileName}: env.{name}: from_env needs the name of a variable.");
                    resolved = environment(source);
                    if (resolved is null) return (null, $"{fileName}: env.{name}: from_env: {source} is not set in this environment; nothing was applied.");
                    break;
                case "from_file":
                    if (string.IsNullOrEmpty(source)) return (null, $"{fileName}: env.{name}: from_file needs a path.");
                    var read = ReadFile(Path.Combine(directory, source), $"env.{name}: from_file", fileName);
                    if (read.Error is not null) return (null, read.Error);
                    // A file's one trailing line break is the editor's, not the value's.
                    resolved = read.Text!.EndsWith("\r\n", StringComparison.Ordinal) ? read.Text[..^2] : read.Text.EndsWith('\n') ? read.Text[..^1] : read.Text;
                    break;
                default:
                    continue;
            }
            if (resolved.Contains('\0')) return (null, $"{fileName}: env.{name}: the value holds a NUL byte, which no environment variable can.");
            env.Children[key] = Secret(resolved);
        }

        if (root.Children.TryGetValue(new YamlScalarNode("env_file"), out var files))
        {
            var paths = files switch
            {
                YamlScalarNode { Value: { Length: > 0 } one } => [one],
                YamlSequenceNode seq when seq.Children.All(c => c is YamlScalarNode { Value.Length: > 0 }) => seq.Children.Select(c => ((YamlScalarNode)c).Value!).ToList(),
                _ => (List<string>?)null,
            };
            if (paths is null) return (null, $"{fileName}: env_file: give a path, or a list of paths, of KEY=VALUE files.");
            foreach (var path in paths)
            {
                var read = ReadFile(Path.Combine(directory, path), "env_file", fileName);
                if (read.Error is not null) return (null, read.Error);
                var parsed = EnvFile(read.Text!, path, fileName);
                if (parsed.Error is not null) return (null, parsed.Error);
                foreach (var (name, value) in parsed.Vars!)
                    if (!env.Children.ContainsKey(new YamlScalarNode(name))) env.Children[new YamlScalarNode(name)] = Secret(value);
            }
            root.Children.Remove(new YamlScalarNode("env_file"));
        }
        root.Children[new YamlScalarNode("env")] = env;

        var output = new StringWriter();
        stream.Save(output, assignAnchors: false);
        return (output.ToString(), null);
    }

    private static YamlMappingNode Secret(string value) => new() { { "secret", new YamlScalarNode(value) { Style = ScalarStyle.DoubleQuoted } } };

    private static (string? Text, string? Error) ReadFile(string path, string field, string fileName)
    {
        try
        {
            var info = new FileInfo(path);
            if (info.Exists && info.Length > ServiceFileLimits.MaxChars * 4L)
                return (null, $"{fileName}: {field}: {path} is larger than a service file may be; nothing was applied.");
            return (File.ReadAllText(path, Encoding.UTF8), null);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return (null, $"{fileName}: {field}: cannot read {path} ({e.Message}); nothing was applied.");
        }
    }

    /// <summary>Compose's env file: <c>KEY=VALUE</c> lines; blank lines and <c>#</c> comments skipped; a value in matching quotes loses them.</summary>
    internal static (List<(string Name, string Value)>? Vars, string? Error) EnvFile(string text, string path, string fileName)
    {
        var vars = new List<(string, string)>();
        int number = 0;
        foreach (var raw in text.Split('\n'))
        {
            number++;
            var line = raw.TrimEnd('\r').Trim();
            if (line.Length == 0 || line[0] == '#') continue;
            int eq = line.IndexOf('=');
            var name = eq > 0 ? line[..eq].Trim() : "";
            if (name.Length == 0 || char.IsAsciiDigit(name[0]) || !name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_'))
                return (null, $"{fileName}: env_file: {path} line {number} is not KEY=VALUE; nothing was applied.");
            var value = line[(eq + 1)..].Trim();
            if (value.Length >= 2 && (value[0] == '"' || value[0] == '\'') && value[^1] == value[0]) value = value[1..^1];
            vars.Add((name, value));
        }
        return (vars, null);
    }
}
