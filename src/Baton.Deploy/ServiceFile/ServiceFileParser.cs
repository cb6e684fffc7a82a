using System.Globalization;
using Baton.Contracts;
using Baton.Router.Routing;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Baton.Deploy.ServiceFile;

/// <summary>The outcome of reading a service file: a definition, or every error found, each naming its line and field.</summary>
public sealed record ServiceFileResult(ServiceDefinition? Definition, IReadOnlyList<string> Errors)
{
    public bool Ok => Definition is not null;
}

/// <summary>
/// Reads <c>baton.yml</c>. Every problem is reported as <c>baton.yml line N: field: what is wrong</c>;
/// a file with any error gives no definition, so nothing is applied from it.
/// </summary>
public static partial class ServiceFileParser
{
    private static readonly string[] TopLevel =
        ["service", "image", "hosts", "path", "staging", "target", "env", "health", "deploy_timeout", "drain_timeout", "target_timeout", "stop_timeout", "replicas", "keep", "labels", "release_task", "smoke", "workers", "canary", "rolling", "watch",
         "volumes", "resources", "logging", "user", "entrypoint", "command", "working_dir", "extra_hosts", "stop_signal", "env_file", "healthcheck", "servers", "tls", "https_redirect", "hsts"];

    public static ServiceFileResult Parse(string text, string fileName = "baton.yml")
    {
        // Bounded before the node tree is built (its construction recurses once per level).
        if (ServiceFileLimits.Check(text, fileName) is { } refused) return new(null, [refused.Message + "."]);
        var errors = new List<string>();
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(text));
        }
        catch (YamlException e)
        {
            return new(null, [$"{fileName} line {e.Start.Line}: this is not valid YAML ({Clean(e.Message)})."]);
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException)
        {
            return new(null, [$"{fileName}: this is not valid YAML ({e.Message})."]);
        }
        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is not YamlMappingNode root)
            return new(null, [$"{fileName}: the file must be a YAML mapping with at least 'service' and 'image'."]);

        var r = new Reader(fileName, errors);
        r.CheckKeys(root, "", TopLevel);

        var name = r.String(root, "service");
        if (name is null) r.Missing(root, "service", "the service's name, e.g. service: web");
        else if (!ServiceNames.IsValid(name, out var nameError)) r.Error(r.ValueNode(root, "service")!, "service", nameError);

        var image = r.String(root, "image");
        if (image is null) r.Missing(root, "image", "the image repository, e.g. image: 127.0.0.1:5000/shop");
        else if (!IsRepository(image)) r.Error(r.ValueNode(root, "image")!, "image", $"'{image}' must be a repository without a tag or digest (the tag is chosen at deploy: baton deploy SERVICE --image {image.Split('@')[0]})");

        var hosts = new List<string>();
        foreach (var (node, host) in r.StringList(root, "hosts"))
        {
            if (HostPattern.TryParse(host, out var pattern, out var hostError)) hosts.Add(pattern.ToString());
            else r.Error(node, "hosts", hostError);
        }
        var path = "/";
        if (r.String(root, "path") is { } p && !PathPrefix.TryNormalize(p, out path, out var pathError)) r.Error(r.ValueNode(root, "path")!, "path", pathError);
        var staging = r.String(root, "staging") ?? "{color}.{host}";
        if (!staging.Contains("{color}", StringComparison.Ordinal) || !staging.Contains("{host}", StringComparison.Ordinal))
            r.Error(r.ValueNode(root, "staging")!, "staging", "the pattern must contain {color} and {host}, e.g. {color}.{host}");

        var definition = new ServiceDefinition { Name = name ?? "", Image = image ?? "", Hosts = hosts, Path = path, Staging = staging };

        if (r.Map(root, "target") is { } target)
        {
            r.CheckKeys(target, "target.", ["mode", "port_env", "port", "network"]);
            var mode = r.String(target, "mode") ?? "publish";
            // "network" is the earlier name of publish mode with a network, kept so older files still apply.
            var parsedMode = mode switch { "publish" or "network" => TargetMode.Publish, "host" => TargetMode.Host, _ => (TargetMode?)null };
            if (parsedMode is null) r.Error(r.ValueNode(target, "mode")!, "target.mode", $"'{mode}' is not a mode: use publish (the default) or host");
            var network = r.String(target, "network");
            if (mode == "network" && network is null) r.Missing(target, "target.network", "the user-defined Docker network to join");
            // A field that has no effect in the mode is an error, not ignored: the user meant something by it.
            if (parsedMode == TargetMode.Host && r.ValueNode(target, "port") is { } port)
                r.Error(port, "target.port", "a host-mode container listens on the port Baton passes in target.port_env; target.port is for target.mode: publish");
            if (parsedMode == TargetMode.Host && r.ValueNode(target, "network") is { } net)
                r.Error(net, "target.network", "a host-mode container shares the host's network; target.network is for target.mode: publish");
            if (network is not null && NetworkNameError(network) is { } networkError)
                r.Error(r.ValueNode(target, "network")!, "target.network", networkError);
            definition = definition with
            {
                Mode = parsedMode ?? TargetMode.Publish,
                PortEnv = r.String(target, "port_env") ?? "PORT",
                ContainerPort = r.Int(target, "port", "target.port", 1, 65535),
                Network = network,
            };
        }

        if (r.Map(root, "env") is { } env)
        {
            var vars = new List<EnvVar>();
            foreach (var (keyNode, valueNode) in env.Children)
            {
                var key = ((YamlScalarNode)keyNode).Value ?? "";
                if (key.Length == 0 || key.Contains('=') || char.IsAsciiDigit(key[0])) r.Error(keyNode, "env", $"'{key}' is not a valid variable name");
                switch (valueNode)
                {
                    case YamlScalarNode s:
                        vars.Add(new EnvVar(key, s.Value ?? "", false));
                        break;
                    case YamlMappingNode m when m.Children.Count == 1 && m.Children.ContainsKey("secret") && m.Children["secret"] is YamlScalarNode secret:
                        vars.Add(new EnvVar(key, secret.Value ?? "", true));
                        break;
                    case YamlMappingNode m when m.Children.ContainsKey("from_env") || m.Children.ContainsKey("from_file"):
                        r.Error(valueNode, $"env.{key}", $"{(m.Children.ContainsKey("from_env") ? "from_env" : "from_file")} is read by baton apply on the applying machine; this server cannot read your environment or files, so send the file with baton apply (or give {{ secret: VALUE }})");
                        break;
                    default:
                        r.Error(valueNode, $"env.{key}", "give a value, or { secret: VALUE } for a value never shown back");
                        break;
                }
            }
            definition = definition with { Env = vars };
        }

        if (r.Map(root, "health") is { } health)
        {
            r.CheckKeys(health, "health.", ["path", "interval", "timeout", "passes", "host"]);
            var hp = r.String(health, "path") ?? "/health";
            if (!hp.StartsWith('/')) r.Error(r.ValueNode(health, "path")!, "health.path", $"'{hp}' must start with /");
            definition = definition with
            {
                Health = new HealthSpec
                {
                    Path = hp,
                    Interval = r.Duration(health, "interval", "health.interval", Ms(100), Hours(1)) ?? TimeSpan.FromSeconds(1),
                    Timeout = r.Duration(health, "timeout", "health.timeout", Ms(100), Minutes(5)) ?? TimeSpan.FromSeconds(5),
                    Passes = r.Int(health, "passes", "health.passes", 1, 100) ?? 2,
                    Host = r.String(health, "host"),
                },
            };
        }

        definition = definition with
        {
            DeployTimeout = r.Duration(root, "deploy_timeout", "deploy_timeout", Seconds(1), Hours(24)) ?? definition.DeployTimeout,
            DrainTimeout = r.Duration(root, "drain_timeout", "drain_timeout", TimeSpan.Zero, Hours(1)) ?? definition.DrainTimeout,
            TargetTimeout = r.Duration(root, "target_timeout", "target_timeout", Seconds(1), Hours(1)) ?? definition.TargetTimeout,
            StopTimeout = r.Duration(root, "stop_timeout", "stop_timeout", TimeSpan.Zero, Hours(1)) ?? definition.StopTimeout,
            Replicas = r.Int(root, "replicas", "replicas", 1, 64) ?? 1,
            Keep = r.Int(root, "keep", "keep", 0, 20) ?? 2,
            Watch = r.Duration(root, "watch", "watch", TimeSpan.Zero, Hours(1)) ?? definition.Watch,
        };

        definition = definition with { Container = ParseContainer(r, root), Servers = ParseServers(r, root), Tls = ParseTls(r, root, hosts) };
        if (ParseHealthcheck(r, root) is { } engineCheck)
        {
            // The engine's check is the readiness gate; the router then needs only an open port,
            // unless the file also names an HTTP health path (then both must pass).
            var pathGiven = r.Map(root, "health") is { } h && r.ValueNode(h, "path") is not null;
            definition = definition with
            {
                Healthcheck = engineCheck,
                Health = pathGiven ? definition.Health : definition.Health with { Path = Baton.Router.Health.HealthCheckOptions.ConnectOnly },
            };
        }
        if (r.ValueNode(root, "env_file") is { } envFile)
            r.Error(envFile, "env_file", "env files are read by baton apply on the applying machine; this server cannot read your files, so send the file with baton apply");

        if (r.Map(root, "labels") is { } labels)
        {
            var dict = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var (k, v) in labels.Children)
            {
                var key = ((YamlScalarNode)k).Value ?? "";
                if (key.StartsWith("baton.", StringComparison.Ordinal)) r.Error(k, "labels", $"'{key}': labels starting with baton. are Baton's own");
                else if (v is YamlScalarNode sv) dict[key] = sv.Value ?? "";
                else r.Error(v, $"labels.{key}", "a label's value must be text");
            }
            definition = definition with { Labels = dict };
        }

        if (r.Map(root, "release_task") is { } task)
        {
            r.CheckKeys(task, "release_task.", ["command", "timeout"]);
            var command = r.Command(task, "command", "release_task.command");
            if (command is null) r.Missing(task, "release_task.command", "the arguments for the image's entrypoint, e.g. [migrate]");
            definition = definition with { ReleaseTask = new ReleaseTask(command ?? [], r.Duration(task, "timeout", "release_task.timeout", Seconds(1), Hours(24)) ?? TimeSpan.FromMinutes(5)) };
        }

        if (r.Seq(root, "smoke") is { } smoke)
        {
            var checks = new List<SmokeCheck>();
            foreach (var item in smoke.Children)
            {
                if (item is not YamlMappingNode m)
                {
                    r.Error(item, "smoke", "each check is a mapping such as { path: /version, status: 200 }");
                    continue;
                }
                r.CheckKeys(m, "smoke[].", ["path", "status", "contains"]);
                var sp = r.String(m, "path");
                if (sp is null || !sp.StartsWith('/')) r.Error(m, "smoke[].path", "each check needs a path starting with /");
                checks.Add(new SmokeCheck(sp ?? "/", r.Int(m, "status", "smoke[].status", 100, 599) ?? 200, r.String(m, "contains")));
            }
            definition = definition with { Smoke = checks };
        }

        if (r.Seq(root, "workers") is { } workers)
        {
            var list = new List<WorkerSpec>();
            foreach (var item in workers.Children)
            {
                if (item is not YamlMappingNode m)
                {
                    r.Error(item, "workers", "each worker is a mapping such as { name: jobs, command: [work] }");
                    continue;
                }
                r.CheckKeys(m, "workers[].", ["name", "command", "replicas"]);
                var wn = r.String(m, "name");
                if (wn is null || !ServiceNames.IsValid(wn, out _)) r.Error(m, "workers[].name", "each worker needs a name of lower-case letters, digits and dashes");
                else if (list.Any(w => w.Name == wn)) r.Error(m, "workers[].name", $"worker '{wn}' is defined twice");
                var command = r.Command(m, "command", "workers[].command");
                if (command is null) r.Missing(m, "workers[].command", "the worker's command");
                list.Add(new WorkerSpec(wn ?? "", command ?? [], r.Int(m, "replicas", "workers[].replicas", 0, 64) ?? 1));
            }
            definition = definition with { Workers = list };
        }

        if (r.Map(root, "canary") is { } canary)
        {
            r.CheckKeys(canary, "canary.", ["steps", "step_time", "min_requests", "max_error_rate", "max_p95_increase", "max_p95_ratio"]);
            var spec = new CanarySpec();
            var steps = CanarySteps(r, canary) ?? spec.Steps;
            spec = spec with
            {
                Steps = steps,
                StepTime = r.Duration(canary, "step_time", "canary.step_time", Seconds(1), Hours(24)) ?? spec.StepTime,
                MinRequests = r.Int(canary, "min_requests", "canary.min_requests", 1, 1_000_000) ?? spec.MinRequests,
                MaxErrorRate = r.Fraction(canary, "max_error_rate", "canary.max_error_rate") ?? spec.MaxErrorRate,
                MaxP95Increase = r.Duration(canary, "max_p95_increase", "canary.max_p95_increase", TimeSpan.Zero, Hours(1)) ?? spec.MaxP95Increase,
                MaxP95Ratio = r.Ratio(canary, "max_p95_ratio", "canary.max_p95_ratio") ?? spec.MaxP95Ratio,
            };
            definition = definition with { Canary = spec };
        }

        if (r.Map(root, "rolling") is { } rolling)
        {
            r.CheckKeys(rolling, "rolling.", ["max_surge", "max_unavailable", "batch_time"]);
            var spec = new RollingSpec
            {
                MaxSurge = r.Int(rolling, "max_surge", "rolling.max_surge", 0, 64) ?? 1,
                MaxUnavailable = r.Int(rolling, "max_unavailable", "rolling.max_unavailable", 0, 64) ?? 0,
                BatchTime = r.Duration(rolling, "batch_time", "rolling.batch_time", Seconds(1), Hours(24)) ?? new RollingSpec().BatchTime,
            };
            if (spec.MaxSurge + spec.MaxUnavailable == 0) r.Error(rolling, "rolling", "max_surge and max_unavailable cannot both be 0: no batch could start");
            definition = definition with { Rolling = spec };
        }

        return errors.Count == 0 ? new(definition, []) : new(null, errors);
    }

    private static List<int>? CanarySteps(Reader r, YamlMappingNode canary)
    {
        if (r.ValueNode(canary, "steps") is not { } node) return null;
        var texts = r.StringList(canary, "steps").ToList();
        var steps = new List<int>();
        foreach (var (n, text) in texts)
        {
            if (!int.TryParse(text.TrimEnd('%'), NumberStyles.None, CultureInfo.InvariantCulture, out var p) || p < 1 || p > 100)
            {
                r.Error(n, "canary.steps", $"'{text}' must be a whole percentage from 1 to 100");
                return null;
            }
            steps.Add(p);
        }
        if (CanaryStepsError(steps) is { } error)
        {
            r.Error(node, "canary.steps", error);
            return null;
        }
        return steps;
    }

    /// <summary>Why a list of canary steps cannot be used, or null: rising percentages that end at 100.</summary>
    public static string? CanaryStepsError(IReadOnlyList<int> steps)
    {
        if (steps.Count == 0) return "give at least one step, such as [5, 25, 50, 100]";
        if (steps.Any(p => p is < 1 or > 100)) return "each step is a percentage from 1 to 100";
        for (int i = 1; i < steps.Count; i++)
            if (steps[i] <= steps[i - 1]) return $"the steps must rise ({steps[i - 1]} is followed by {steps[i]})";
        return steps[^1] == 100 ? null : $"the last step must be 100 (the promote), not {steps[^1]}";
    }

    /// <summary>A repository: registry host (optional), path components, and no tag or digest.</summary>
    /// <summary>
    /// Why a target.network is refused: the engine's own modes (host, none, container:…) would quietly
    /// change how the router reaches the container, and anything else must be a network's name.
    /// </summary>
    private static string? NetworkNameError(string network)
    {
        if (network is "host" or "none") return $"'{network}' is a network mode, not a network: use target.mode: host for the host's network";
        bool valid = network.Length is > 0 and <= 128 && char.IsAsciiLetterOrDigit(network[0])
            && network.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '.' or '-');
        return valid ? null : $"'{network}' is not a Docker network name (letters, digits, '_', '.', '-', starting with a letter or digit)";
    }

    private static bool IsRepository(string image)
    {
        if (image.Contains('@') || image.Any(char.IsWhiteSpace) || image.Any(char.IsAsciiLetterUpper)) return false;
        var lastSlash = image.LastIndexOf('/');
        return !image[(lastSlash + 1)..].Contains(':') && image.Length > 0 && !image.EndsWith('/');
    }

    private static string Clean(string message) => message.TrimEnd('.');

    /// <summary>Walks mapping nodes and records errors with line numbers.</summary>
    private sealed class Reader(string file, List<string> errors)
    {
        public void Error(YamlNode node, string field, string message) =>
            errors.Add($"{file} line {node.Start.Line}: {field}: {message.TrimEnd('.')}{(message.EndsWith('?') ? "" : ".")}");

        public void Missing(YamlMappingNode map, string field, string what) =>
            errors.Add($"{file} line {map.Start.Line}: {field}: missing; give {what}.");

        public void CheckKeys(YamlMappingNode map, string prefix, string[] known)
        {
            foreach (var key in map.Children.Keys)
            {
                var name = (key as YamlScalarNode)?.Value ?? "";
                if (!known.Contains(name))
                {
                    var near = known.FirstOrDefault(k => Distance(k, name) <= 2);
                    Error(key, prefix + name, near is null
                        ? $"unknown field; the known ones here are {string.Join(", ", known)}"
                        : $"unknown field; did you mean {prefix}{near}?");
                }
            }
        }

        public YamlNode? ValueNode(YamlMappingNode map, string key) =>
            map.Children.TryGetValue(new YamlScalarNode(key), out var v) ? v : null;

        public string? String(YamlMappingNode map, string key)
        {
            var node = ValueNode(map, key);
            if (node is null) return null;
            if (node is YamlScalarNode s) return string.IsNullOrEmpty(s.Value) ? null : s.Value;
            Error(node, key, "expected a single value");
            return null;
        }

        public int? Int(YamlMappingNode map, string key, string field, int min, int max)
        {
            var text = String(map, key);
            if (text is null) return null;
            if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n >= min && n <= max) return n;
            Error(ValueNode(map, key)!, field, $"'{text}' must be a whole number from {min} to {max}");
            return null;
        }

        /// <summary>A duration from <paramref name="min"/> to <paramref name="max"/>: one that cannot work (a 0 s health interval spins a core) is an error.</summary>
        public TimeSpan? Duration(YamlMappingNode map, string key, string field, TimeSpan min, TimeSpan max)
        {
            var text = String(map, key);
            if (text is null) return null;
            if (!Durations.TryParse(text, out var d))
            {
                Error(ValueNode(map, key)!, field, $"'{text}' is not a duration; write it like 500ms, 30s or 2m");
                return null;
            }
            if (d >= min && d <= max) return d;
            Error(ValueNode(map, key)!, field, $"'{text}' must be from {Durations.Format(min)} to {Durations.Format(max)}");
            return null;
        }

        /// <summary>A share such as <c>0.02</c> or <c>2%</c>, from 0 to 1.</summary>
        public double? Fraction(YamlMappingNode map, string key, string field)
        {
            var text = String(map, key);
            if (text is null) return null;
            bool percent = text.EndsWith('%');
            if (double.TryParse(percent ? text[..^1] : text, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && double.IsFinite(v))
            {
                if (percent) v /= 100;
                if (v is >= 0 and <= 1) return v;
            }
            Error(ValueNode(map, key)!, field, $"'{text}' must be a share from 0 to 1, or a percentage such as 2%");
            return null;
        }

        /// <summary>A factor of at least 1, such as <c>1.5</c>.</summary>
        public double? Ratio(YamlMappingNode map, string key, string field)
        {
            var text = String(map, key);
            if (text is null) return null;
            if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && double.IsFinite(v) && v >= 1 && v <= 1000) return v;
            Error(ValueNode(map, key)!, field, $"'{text}' must be a factor from 1 to 1000, such as 1.5");
            return null;
        }

        public YamlMappingNode? Map(YamlMappingNode map, string key)
        {
            var node = ValueNode(map, key);
            if (node is null or YamlMappingNode) return node as YamlMappingNode;
            Error(node, key, "expected a mapping of fields");
            return null;
        }

        public YamlSequenceNode? Seq(YamlMappingNode map, string key)
        {
            var node = ValueNode(map, key);
            if (node is null or YamlSequenceNode) return node as YamlSequenceNode;
            Error(node, key, "expected a list");
            return null;
        }

        public IEnumerable<(YamlNode Node, string Value)> StringList(YamlMappingNode map, string key)
        {
            var node = ValueNode(map, key);
            if (node is YamlScalarNode single && !string.IsNullOrEmpty(single.Value)) return [(single, single.Value)];
            if (node is YamlSequenceNode seq)
                return seq.Children.Select(c => (c, (c as YamlScalarNode)?.Value ?? "")).ToList();
            if (node is not null) Error(node, key, "expected a list");
            return [];
        }

        /// <summary>
        /// A command: the arguments given to the image's entrypoint, as in <c>docker run IMAGE ARGS…</c>;
        /// a list, or one line split at spaces (no shell is involved).
        /// </summary>
        public IReadOnlyList<string>? Command(YamlMappingNode map, string key, string field)
        {
            var node = ValueNode(map, key);
            switch (node)
            {
                case null:
                    return null;
                case YamlScalarNode { Value: { Length: > 0 } line }:
                    return line.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
                case YamlSequenceNode seq when seq.Children.Count > 0 && seq.Children.All(c => c is YamlScalarNode):
                    return seq.Children.Select(c => ((YamlScalarNode)c).Value ?? "").ToList();
                default:
                    Error(node, field, "expected the arguments for the image's entrypoint, as a list such as [migrate] or one line");
                    return null;
            }
        }

        private static int Distance(string a, string b)
        {
            var d = new int[a.Length + 1, b.Length + 1];
            for (int i = 0; i <= a.Length; i++) d[i, 0] = i;
            for (int j = 0; j <= b.Length; j++) d[0, j] = j;
            for (int i = 1; i <= a.Length; i++)
                for (int j = 1; j <= b.Length; j++)
                    d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
            return d[a.Length, b.Length];
        }
    }

    private static TimeSpan Ms(int n) => TimeSpan.FromMilliseconds(n);
    private static TimeSpan Seconds(int n) => TimeSpan.FromSeconds(n);
    private static TimeSpan Minutes(int n) => TimeSpan.FromMinutes(n);
    private static TimeSpan Hours(int n) => TimeSpan.FromHours(n);
}
