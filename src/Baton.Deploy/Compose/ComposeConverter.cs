using System.Globalization;
using System.Text.RegularExpressions;
using Baton.Deploy.ServiceFile;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Baton.Deploy.Compose;

/// <summary>One compose service as the baton.yml Baton applies for it.</summary>
public sealed record ComposeService(string Name, string BatonYaml, string Image);

/// <summary>What a compose file gave: a baton.yml per service, or every error with its line; and warnings (unset variables).</summary>
public sealed record ComposeResult(IReadOnlyList<ComposeService> Services, IReadOnlyList<string> Errors, IReadOnlyList<string> Warnings)
{
    public bool Ok => Errors.Count == 0 && Services.Count > 0;
}

/// <summary>
/// Reads a docker-compose.yml on the applying machine (its variables and its <c>.env</c> are that
/// machine's) and makes a baton.yml for each service Baton deploys: those with an <c>x-baton:</c>
/// block, or those named. The containers join the project's network (<c>PROJECT_default</c>, or
/// the service's one network), so they reach the services compose still runs by name, and the
/// router reaches them at the port compose gives (<c>ports</c>/<c>expose</c>). A key Baton cannot
/// honour is an error with its line, never skipped. See docs/compose.md.
/// </summary>
public static partial class ComposeConverter
{
    /// <summary>The compose keys of a service Baton takes.</summary>
    private static readonly string[] ServiceKeys =
        ["image", "build", "command", "entrypoint", "environment", "env_file", "ports", "expose", "volumes", "networks", "labels", "user", "healthcheck",
         "working_dir", "extra_hosts", "stop_grace_period", "stop_signal", "deploy", "logging", "restart", "depends_on", "x-baton"];

    /// <summary>Baton's own settings, under <c>x-baton:</c>.</summary>
    private static readonly string[] BatonKeys =
        ["hosts", "path", "staging", "health", "deploy_timeout", "drain_timeout", "target_timeout", "watch", "keep", "release_task", "smoke", "workers", "canary", "rolling", "port", "service"];

    public static ComposeResult Convert(string text, string fileName, string directory, Func<string, string?> environment, IReadOnlyCollection<string> only)
    {
        var errors = new List<string>();
        var warnings = new List<string>();
        if (ServiceFileLimits.Check(text, fileName) is { } refused) return new([], [refused.Message + "."], []);
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(text));
        }
        catch (Exception e) when (e is YamlException or InvalidOperationException or ArgumentException)
        {
            return new([], [$"{fileName}: this is not valid YAML ({e.Message})."], []);
        }
        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is not YamlMappingNode root || Child(root, "services") is not YamlMappingNode services)
            return new([], [$"{fileName}: a compose file needs a services: mapping."], []);

        // Variables: the applying environment first, then the .env file beside the compose file (as compose).
        var dotEnv = new Dictionary<string, string>(StringComparer.Ordinal);
        var dotEnvPath = Path.Combine(directory, ".env");
        if (File.Exists(dotEnvPath))
        {
            var (vars, error) = ServiceFileSecrets.EnvFile(File.ReadAllText(dotEnvPath), ".env", fileName);
            if (error is not null) return new([], [error], []);
            foreach (var (k, v) in vars!) dotEnv[k] = v;
        }
        string? Lookup(string name) => environment(name) ?? dotEnv.GetValueOrDefault(name);
        var unset = new SortedSet<string>(StringComparer.Ordinal);
        Interpolate(root, Lookup, unset, fileName, errors);
        if (errors.Count > 0) return new([], errors, []);
        foreach (var name in unset) warnings.Add($"{name} is not set; it was taken as empty (as docker compose does).");

        var project = Project(Lookup("COMPOSE_PROJECT_NAME") ?? Scalar(root, "name") ?? Path.GetFileName(Path.GetFullPath(directory)));
        foreach (var key in root.Children.Keys.OfType<YamlScalarNode>().Select(k => k.Value ?? ""))
            if (key is not ("services" or "networks" or "volumes" or "version" or "name") && !key.StartsWith("x-", StringComparison.Ordinal))
                errors.Add($"{fileName} line {Node(root, key)!.Start.Line}: {key}: Baton does not take this top-level key (it reads services, networks, volumes, version, name and x- extensions).");

        var result = new List<ComposeService>();
        foreach (var unknown in only.Where(n => Child(services, n) is null))
            errors.Add($"{fileName}: there is no service named {unknown} (it has {string.Join(", ", services.Children.Keys.OfType<YamlScalarNode>().Select(k => k.Value))}).");
        foreach (var (keyNode, valueNode) in services.Children)
        {
            var name = ((YamlScalarNode)keyNode).Value ?? "";
            if (valueNode is not YamlMappingNode service) continue;
            bool chosen = only.Count > 0 ? only.Contains(name) : Child(service, "x-baton") is not null;
            if (!chosen) continue;
            if (ConvertService(name, service, root, project, directory, fileName, errors) is { } converted) result.Add(converted);
        }
        if (result.Count == 0 && errors.Count == 0)
            errors.Add($"{fileName}: no service has an x-baton: block; add one to the services Baton deploys, or name them with --service.");
        return new(errors.Count == 0 ? result : [], errors, warnings);
    }

    private static ComposeService? ConvertService(string name, YamlMappingNode s, YamlMappingNode root, string project, string directory, string file, List<string> errors)
    {
        int before = errors.Count;
        void Error(YamlNode node, string field, string message) => errors.Add($"{file} line {node.Start.Line}: services.{name}.{field}: {message.TrimEnd('.')}.");

        foreach (var (k, _) in s.Children)
        {
            var key = ((YamlScalarNode)k).Value ?? "";
            if (!ServiceKeys.Contains(key))
                Error(k, key, key switch
                {
                    "container_name" => "Baton names each release's containers itself (one per colour); drop it",
                    "network_mode" => "Baton's containers join the project's network; drop it",
                    _ => "Baton cannot honour this key; drop it or ask for it",
                });
        }
        var x = Child(s, "x-baton") as YamlMappingNode;
        var serviceName = x is not null && Scalar(x, "service") is { } renamed ? renamed : name;
        var image = Scalar(s, "image");
        if (image is null)
        {
            Error(s, "image", Child(s, "build") is not null
                ? "Baton deploys images from a registry: build and push this one (docker compose build, docker push), then give its image:"
                : "missing; give the image repository");
            return null;
        }
        var (repository, tag) = SplitTag(image);

        var y = new YamlMappingNode
        {
            { "service", serviceName },
            { "image", repository },
        };
        // Where the router reaches it: the port in the container (ports/expose), on the project's network.
        var ports = ContainerPorts(s, Error);
        int? port = x is not null && Scalar(x, "port") is { } xp && int.TryParse(xp, NumberStyles.None, CultureInfo.InvariantCulture, out var p) ? p : null;
        if (port is null)
        {
            if (ports.Count == 1) port = ports[0];
            else if (ports.Count > 1) Error(s, "ports", $"the container listens on several ports ({string.Join(", ", ports)}): say which one serves HTTP with x-baton.port");
            // Neither: the image's EXPOSE names it at deploy, as for any baton.yml in publish mode.
        }
        var network = Network(s, root, project, Error);
        if (network is not null)
        {
            var target = new YamlMappingNode { { "mode", "publish" }, { "network", network } };
            if (port is not null) target.Add("port", port.Value.ToString(CultureInfo.InvariantCulture));
            y.Add("target", target);
        }

        if (Child(s, "environment") is { } environment && Environment(environment, Error) is { } env) y.Add("env", env);
        if (Child(s, "env_file") is { } envFile)
        {
            var files = Strings(envFile).Select(f => Path.GetFullPath(Path.Combine(directory, f))).ToList();
            if (files.Count == 0) Error(envFile, "env_file", "give a path or a list of paths");
            else y.Add("env_file", Seq(files));
        }
        if (Child(s, "command") is { } command) y.Add("command", Seq(Words(command)));
        if (Child(s, "entrypoint") is { } entrypoint) y.Add("entrypoint", Seq(Words(entrypoint)));
        foreach (var (from, to) in new[] { ("user", "user"), ("working_dir", "working_dir"), ("stop_signal", "stop_signal") })
            if (Scalar(s, from) is { } v) y.Add(to, v);
        if (Scalar(s, "stop_grace_period") is { } grace) y.Add("stop_timeout", grace);
        if (Child(s, "extra_hosts") is { } hosts) y.Add("extra_hosts", Seq(hosts is YamlMappingNode hm ? hm.Children.Select(h => $"{((YamlScalarNode)h.Key).Value}:{(h.Value as YamlScalarNode)?.Value}").ToList() : Strings(hosts)));
        if (Child(s, "labels") is { } labels) y.Add("labels", labels is YamlMappingNode ? labels : LabelMap(labels));
        if (Child(s, "volumes") is { } volumes) y.Add("volumes", Seq(Volumes(volumes, root, project, directory, Error)));
        if (Child(s, "logging") is YamlMappingNode logging) y.Add("logging", logging);
        if (Child(s, "healthcheck") is YamlMappingNode healthcheck)
        {
            // The engine's check gates each release (docs/compose.md); the router then needs only an open port.
            var check = new YamlMappingNode();
            foreach (var (k, v) in healthcheck.Children)
            {
                var key = ((YamlScalarNode)k).Value;
                if (key is "test" or "interval" or "timeout" or "retries" or "start_period") check.Add(key!, v);
                else if (key == "disable" && (v as YamlScalarNode)?.Value is "false") continue;
                else Error(k, $"healthcheck.{key}", key switch
                {
                    "disable" => "with the check off nothing gates a release on it: leave healthcheck out and give x-baton.health.path",
                    "start_interval" => "the Docker engine API Baton speaks (1.41) has no start_interval; drop it",
                    _ => "Baton takes test, interval, timeout, retries and start_period",
                });
            }
            y.Add("healthcheck", check);
        }
        else if (Child(s, "healthcheck") is { } notMap) Error(notMap, "healthcheck", "expected a mapping with test, interval, timeout, retries and start_period");
        if (Scalar(s, "restart") is "no") Error(Child(s, "restart")!, "restart", "Baton restarts a crashed container itself (unless-stopped) and watches it; restart: no cannot be honoured");
        if (Child(s, "deploy") is YamlMappingNode deploy)
        {
            foreach (var (k, _) in deploy.Children)
                if (((YamlScalarNode)k).Value is not ("replicas" or "resources")) Error(k, $"deploy.{((YamlScalarNode)k).Value}", "Baton takes deploy.replicas and deploy.resources.limits; for rollouts use x-baton.rolling or x-baton.canary");
            if (Scalar(deploy, "replicas") is { } replicas) y.Add("replicas", replicas);
            if (Child(deploy, "resources") is YamlMappingNode resources)
            {
                foreach (var (k, _) in resources.Children)
                    if (((YamlScalarNode)k).Value != "limits") Error(k, $"deploy.resources.{((YamlScalarNode)k).Value}", "Baton takes deploy.resources.limits (memory, cpus) only");
                if (Child(resources, "limits") is YamlMappingNode limits)
                {
                    var r = new YamlMappingNode();
                    foreach (var (k, v) in limits.Children)
                    {
                        var key = ((YamlScalarNode)k).Value;
                        if (key is "memory" or "cpus") r.Add(key, v);
                        else Error(k, $"deploy.resources.limits.{key}", "Baton takes memory and cpus");
                    }
                    y.Add("resources", r);
                }
            }
        }
        if (x is not null)
        {
            foreach (var (k, v) in x.Children)
            {
                var key = ((YamlScalarNode)k).Value ?? "";
                if (key is "port" or "service") continue;
                if (!BatonKeys.Contains(key)) Error(k, $"x-baton.{key}", $"not a Baton setting here (x-baton takes {string.Join(", ", BatonKeys)}; the container's settings come from the service itself)");
                else y.Add(key, v);
            }
        }
        if (errors.Count > before) return null;
        var output = new StringWriter();
        new YamlStream(new YamlDocument(y)).Save(output, assignAnchors: false);
        return new ComposeService(serviceName, output.ToString().TrimEnd('.', '\n', '\r') + "\n", tag is null ? repository : $"{repository}:{tag}");
    }

    private static List<int> ContainerPorts(YamlMappingNode s, Action<YamlNode, string, string> error)
    {
        var ports = new SortedSet<int>();
        foreach (var key in new[] { "ports", "expose" })
        {
            if (Child(s, key) is not YamlSequenceNode seq) continue;
            foreach (var item in seq.Children)
            {
                string? text = item switch
                {
                    YamlScalarNode sc => sc.Value,
                    YamlMappingNode m => Scalar(m, "target"),
                    _ => null,
                };
                // "8000", "127.0.0.1:8080:8000", "8000/tcp", "8080:8000/tcp": the container's port is the last number.
                var last = text?.Split('/')[0].Split(':')[^1];
                if (last is not null && int.TryParse(last, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n is > 0 and <= 65535) ports.Add(n);
                else error(item, key, $"'{text}' is not a port (a range, or udp, cannot be an HTTP target)");
            }
        }
        return [.. ports];
    }

    private static string? Network(YamlMappingNode s, YamlMappingNode root, string project, Action<YamlNode, string, string> error)
    {
        var names = Child(s, "networks") switch
        {
            null => ["default"],
            YamlMappingNode m => m.Children.Keys.OfType<YamlScalarNode>().Select(k => k.Value ?? "").ToList(),
            var other => Strings(other),
        };
        if (names.Count != 1)
        {
            error(Child(s, "networks")!, "networks", $"Baton's containers join one network; this service is on {names.Count} ({string.Join(", ", names)})");
            return null;
        }
        return ResourceName(root, "networks", names[0], project);
    }

    /// <summary>A network's or volume's name on the engine: <c>PROJECT_NAME</c>, unless it is external or named.</summary>
    private static string ResourceName(YamlMappingNode root, string section, string name, string project)
    {
        if (Child(root, section) is YamlMappingNode defined && Child(defined, name) is YamlMappingNode def)
        {
            if (Scalar(def, "name") is { } explicitName) return explicitName;
            var external = Child(def, "external");
            if (external is YamlScalarNode { Value: "true" }) return name;
            if (external is YamlMappingNode ext && Scalar(ext, "name") is { } extName) return extName;
        }
        return $"{project}_{name}";
    }

    private static List<string> Volumes(YamlNode node, YamlMappingNode root, string project, string directory, Action<YamlNode, string, string> error)
    {
        var list = new List<string>();
        if (node is not YamlSequenceNode seq)
        {
            error(node, "volumes", "expected a list");
            return list;
        }
        foreach (var item in seq.Children)
        {
            string? source, target;
            bool readOnly;
            if (item is YamlScalarNode sc)
            {
                var parts = (sc.Value ?? "").Split(':');
                if (parts.Length < 2)
                {
                    error(item, "volumes", $"'{sc.Value}': an anonymous volume is a new empty volume per container; give it a name (NAME:/path) so both colours share it");
                    continue;
                }
                (source, target, readOnly) = (parts[0], parts[1], parts.Length > 2 && parts[2].Split(',').Contains("ro"));
            }
            else if (item is YamlMappingNode m)
            {
                var type = Scalar(m, "type") ?? "volume";
                if (type is not ("volume" or "bind"))
                {
                    error(item, "volumes", $"type {type} is not taken (volume or bind)");
                    continue;
                }
                (source, target, readOnly) = (Scalar(m, "source"), Scalar(m, "target"), Scalar(m, "read_only") is "true");
            }
            else
            {
                error(item, "volumes", "expected NAME:/path, ./host:/path or a mapping");
                continue;
            }
            if (string.IsNullOrEmpty(source) || string.IsNullOrEmpty(target))
            {
                error(item, "volumes", "each volume needs a source and a target");
                continue;
            }
            bool bind = source.StartsWith('/') || source.StartsWith('.') || source.StartsWith('~');
            var resolved = bind
                ? Path.GetFullPath(source.StartsWith('~') ? Path.Combine(System.Environment.GetFolderPath(System.Environment.SpecialFolder.UserProfile), source.TrimStart('~', '/')) : Path.Combine(directory, source))
                : ResourceName(root, "volumes", source, project);
            list.Add($"{resolved}:{target}{(readOnly ? ":ro" : "")}");
        }
        return list;
    }

    private static YamlMappingNode? Environment(YamlNode node, Action<YamlNode, string, string> error)
    {
        var env = new YamlMappingNode();
        switch (node)
        {
            case YamlMappingNode m:
                foreach (var (k, v) in m.Children)
                    env.Add(((YamlScalarNode)k).Value ?? "", new YamlScalarNode((v as YamlScalarNode)?.Value ?? "") { Style = ScalarStyle.DoubleQuoted });
                return env;
            case YamlSequenceNode seq:
                foreach (var item in seq.Children)
                {
                    var line = (item as YamlScalarNode)?.Value ?? "";
                    int eq = line.IndexOf('=');
                    if (eq <= 0)
                    {
                        // "NAME" alone passes the applying machine's value in compose; Baton has no such machine at deploy.
                        error(item, "environment", $"'{line}' has no value: write NAME=VALUE, or NAME: ${{NAME}} to take it from the applying environment");
                        continue;
                    }
                    env.Add(line[..eq], new YamlScalarNode(line[(eq + 1)..]) { Style = ScalarStyle.DoubleQuoted });
                }
                return env;
            default:
                error(node, "environment", "expected a mapping or a list of NAME=VALUE");
                return null;
        }
    }

    private static YamlMappingNode LabelMap(YamlNode node)
    {
        var map = new YamlMappingNode();
        foreach (var line in Strings(node))
        {
            int eq = line.IndexOf('=');
            map.Add(eq > 0 ? line[..eq] : line, eq > 0 ? line[(eq + 1)..] : "");
        }
        return map;
    }

    /// <summary>Compose's project name: lower case, only letters, digits, <c>-</c> and <c>_</c>.</summary>
    private static string Project(string name) => ProjectChars().Replace(name.ToLowerInvariant(), "");

    private static void Interpolate(YamlNode node, Func<string, string?> lookup, ICollection<string> unset, string file, List<string> errors)
    {
        switch (node)
        {
            case YamlScalarNode s when s.Value is { } v:
                var replaced = ComposeInterpolation.Apply(v, lookup, unset, out var error);
                if (replaced is null) errors.Add($"{file} line {s.Start.Line}: {error}.");
                else s.Value = replaced;
                break;
            case YamlMappingNode m:
                foreach (var child in m.Children.Values) Interpolate(child, lookup, unset, file, errors);
                break;
            case YamlSequenceNode q:
                foreach (var child in q.Children) Interpolate(child, lookup, unset, file, errors);
                break;
        }
    }

    private static (string Repository, string? Tag) SplitTag(string image)
    {
        var at = image.IndexOf('@');
        if (at >= 0) return (image[..at], image[(at + 1)..]);
        int slash = image.LastIndexOf('/'), colon = image.LastIndexOf(':');
        return colon > slash ? (image[..colon], image[(colon + 1)..]) : (image, null);
    }

    private static List<string> Words(YamlNode node) => node switch
    {
        YamlScalarNode { Value: { } line } => [.. line.Split(' ', StringSplitOptions.RemoveEmptyEntries)],
        YamlSequenceNode seq => seq.Children.Select(c => (c as YamlScalarNode)?.Value ?? "").ToList(),
        _ => [],
    };

    private static List<string> Strings(YamlNode node) => node switch
    {
        YamlScalarNode { Value: { Length: > 0 } one } => [one],
        YamlSequenceNode seq => seq.Children.OfType<YamlScalarNode>().Select(c => c.Value ?? "").ToList(),
        _ => [],
    };

    private static YamlSequenceNode Seq(IEnumerable<string> items) => new(items.Select(i => (YamlNode)new YamlScalarNode(i) { Style = ScalarStyle.DoubleQuoted }));

    private static YamlNode? Child(YamlMappingNode map, string key) => map.Children.TryGetValue(new YamlScalarNode(key), out var v) ? v : null;

    private static YamlNode? Node(YamlMappingNode map, string key) => map.Children.Keys.FirstOrDefault(k => (k as YamlScalarNode)?.Value == key);

    private static string? Scalar(YamlMappingNode map, string key) => Child(map, key) is YamlScalarNode { Value: { Length: > 0 } v } ? v : null;

    [GeneratedRegex("[^a-z0-9_-]")]
    private static partial Regex ProjectChars();
}
