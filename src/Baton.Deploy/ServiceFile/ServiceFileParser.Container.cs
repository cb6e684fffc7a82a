using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;

namespace Baton.Deploy.ServiceFile;

/// <summary>The container settings of baton.yml: <c>volumes</c>, <c>resources</c>, <c>logging</c>, <c>user</c>, <c>entrypoint</c>, <c>extra_hosts</c>, <c>stop_signal</c>.</summary>
public static partial class ServiceFileParser
{
    /// <summary>Docker's minimum memory limit.</summary>
    private const long MinMemory = 6 * 1024 * 1024;

    private static ContainerOptions ParseContainer(Reader r, YamlMappingNode root)
    {
        var volumes = new List<string>();
        foreach (var (node, text) in r.StringList(root, "volumes"))
        {
            if (Volume(text) is { } error) r.Error(node, "volumes", error);
            else volumes.Add(text);
        }

        long? memory = null;
        long? nanoCpus = null;
        if (r.Map(root, "resources") is { } resources)
        {
            r.CheckKeys(resources, "resources.", ["memory", "cpus"]);
            if (r.String(resources, "memory") is { } m)
            {
                memory = Bytes(m);
                if (memory is null or < MinMemory)
                {
                    r.Error(r.ValueNode(resources, "memory")!, "resources.memory", $"'{m}' must be a size of at least 6m, such as 512m or 1g");
                    memory = null;
                }
            }
            if (r.String(resources, "cpus") is { } c)
            {
                if (double.TryParse(c, NumberStyles.Float, CultureInfo.InvariantCulture, out var cpus) && double.IsFinite(cpus) && cpus is >= 0.01 and <= 1024)
                    nanoCpus = (long)Math.Round(cpus * 1e9);
                else r.Error(r.ValueNode(resources, "cpus")!, "resources.cpus", $"'{c}' must be a number of CPUs from 0.01 to 1024, such as 0.5");
            }
        }

        string? driver = null;
        var logOptions = new Dictionary<string, string>(StringComparer.Ordinal);
        if (r.Map(root, "logging") is { } logging)
        {
            r.CheckKeys(logging, "logging.", ["driver", "options"]);
            driver = r.String(logging, "driver");
            if (driver is not null && !Word().IsMatch(driver)) r.Error(r.ValueNode(logging, "driver")!, "logging.driver", $"'{driver}' is not a log driver name, such as json-file or local");
            if (r.Map(logging, "options") is { } options)
            {
                foreach (var (k, v) in options.Children)
                {
                    var key = ((YamlScalarNode)k).Value ?? "";
                    if (v is YamlScalarNode { Value: { Length: > 0 } value } && Word().IsMatch(key)) logOptions[key] = value;
                    else r.Error(v, $"logging.options.{key}", "each option is a name with a text value, such as max-size: 10m");
                }
            }
            if (driver is null && logOptions.Count > 0) r.Missing(logging, "logging.driver", "the driver the options are for, such as json-file");
        }

        var user = r.String(root, "user");
        if (user is not null && !UserSpec().IsMatch(user)) r.Error(r.ValueNode(root, "user")!, "user", $"'{user}' must be USER or USER:GROUP, by name or number");

        var extraHosts = new List<string>();
        foreach (var (node, text) in r.StringList(root, "extra_hosts"))
        {
            // Compose writes HOST:IP or HOST=IP; an IPv6 address has colons of its own.
            int at = text.IndexOfAny(['=', ':']);
            var host = at > 0 ? text[..at] : "";
            var ip = at > 0 ? text[(at + 1)..].Trim('[', ']') : "";
            if (host.Length == 0 || !HostName().IsMatch(host) || !IPAddress.TryParse(ip, out _))
                r.Error(node, "extra_hosts", $"'{text}' must be HOST:IP, such as db.internal:10.200.0.5");
            else extraHosts.Add($"{host}:{ip}");
        }

        var workingDir = r.String(root, "working_dir");
        if (workingDir is not null && !workingDir.StartsWith('/')) r.Error(r.ValueNode(root, "working_dir")!, "working_dir", $"'{workingDir}' must be an absolute path inside the container");

        var stopSignal = r.String(root, "stop_signal");
        if (stopSignal is not null && !Signal().IsMatch(stopSignal))
            r.Error(r.ValueNode(root, "stop_signal")!, "stop_signal", $"'{stopSignal}' is not a signal; write it like SIGINT or SIGQUIT");

        return new ContainerOptions
        {
            Settings = new Baton.Docker.ContainerSettings
            {
                Volumes = volumes,
                MemoryBytes = memory,
                NanoCpus = nanoCpus,
                LogDriver = driver,
                LogOptions = logOptions,
                User = user,
                ExtraHosts = extraHosts,
                StopSignal = stopSignal,
            },
            Entrypoint = r.Command(root, "entrypoint", "entrypoint"),
            Command = r.Command(root, "command", "command"),
            WorkingDir = workingDir,
        };
    }

    /// <returns>Null for <c>NAME:/path</c> or <c>/host:/path</c> with an optional <c>:ro</c> or <c>:rw</c>; else what is wrong.</returns>
    private static string? Volume(string text)
    {
        var parts = text.Split(':');
        if (parts.Length is < 2 or > 3)
            return $"'{text}' must be NAME:/path or /host/path:/path, with :ro to mount it read-only";
        var (source, target) = (parts[0], parts[1]);
        if (parts.Length == 3 && parts[2] is not ("ro" or "rw")) return $"'{text}': the mount option must be ro or rw";
        if (!target.StartsWith('/')) return $"'{text}': the path inside the container must be absolute";
        if (source.StartsWith('.') || source.StartsWith('~'))
            return $"'{text}': a host path must be absolute (Baton's server does not know where the file was)";
        if (!source.StartsWith('/') && !VolumeName().IsMatch(source))
            return $"'{text}': '{source}' is neither an absolute host path nor a volume name (letters, digits, _ . -)";
        return null;
    }

    /// <summary><c>512m</c>, <c>1g</c>, <c>1.5g</c>, <c>65536k</c> or plain bytes, as compose writes them.</summary>
    private static long? Bytes(string text)
    {
        var t = text.Trim().ToLowerInvariant();
        if (t.EndsWith('b')) t = t[..^1];
        long unit = 1;
        if (t.Length > 0 && t[^1] is 'k' or 'm' or 'g')
        {
            unit = t[^1] switch { 'k' => 1024L, 'm' => 1024L * 1024, _ => 1024L * 1024 * 1024 };
            t = t[..^1];
        }
        return double.TryParse(t, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var n) && n > 0 && n * unit < long.MaxValue / 2
            ? (long)(n * unit)
            : null;
    }

    [GeneratedRegex("^[a-zA-Z0-9][a-zA-Z0-9_.-]*$")]
    private static partial Regex VolumeName();

    [GeneratedRegex("^[a-z0-9][a-z0-9_.-]*$")]
    private static partial Regex Word();

    [GeneratedRegex("^[a-zA-Z0-9_][a-zA-Z0-9_.-]*(:[a-zA-Z0-9_][a-zA-Z0-9_.-]*)?$")]
    private static partial Regex UserSpec();

    [GeneratedRegex("^[a-zA-Z0-9]([a-zA-Z0-9.-]*[a-zA-Z0-9])?$")]
    private static partial Regex HostName();

    [GeneratedRegex("^(SIG[A-Z0-9+]+|[0-9]{1,2})$")]
    private static partial Regex Signal();
}
