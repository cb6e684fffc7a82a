using System.Text.Json.Serialization;
using Baton.Docker;

namespace Baton.Hosts.Protocol;

/// <summary>
/// A <see cref="ContainerSpec"/> on the wire, field for field. Its own record, not ContainerSpec itself, so that a
/// field added to ContainerSpec does not travel to app servers until someone decides how the agent checks it
/// (a test fails until then). Unknown fields are refused: nothing beyond what Baton builds from a service file.
/// </summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
internal sealed record SpecWire
{
    public required string Image { get; init; }
    public string? Name { get; init; }
    public Dictionary<string, string>? Env { get; init; }
    public Dictionary<string, string>? Labels { get; init; }
    public List<string>? Cmd { get; init; }
    public List<string>? Entrypoint { get; init; }
    public string? WorkingDir { get; init; }
    public string? Network { get; init; }
    public List<PortWire>? Ports { get; init; }
    public TimeSpan? StopTimeout { get; init; }
    public bool? Init { get; init; }
    public string? RestartPolicy { get; init; }
    public SettingsWire? Settings { get; init; }
    public HealthcheckWire? Healthcheck { get; init; }

    public static SpecWire From(ContainerSpec s) => new()
    {
        Image = s.Image,
        Name = s.Name,
        Env = s.Env.Count == 0 ? null : new Dictionary<string, string>(s.Env),
        Labels = s.Labels.Count == 0 ? null : new Dictionary<string, string>(s.Labels),
        Cmd = s.Cmd is null ? null : [.. s.Cmd],
        Entrypoint = s.Entrypoint is null ? null : [.. s.Entrypoint],
        WorkingDir = s.WorkingDir,
        Network = s.Network,
        Ports = s.Ports.Count == 0 ? null : [.. s.Ports.Select(p => new PortWire { ContainerPort = p.ContainerPort, HostPort = p.HostPort, HostIp = p.HostIp, Protocol = p.Protocol })],
        StopTimeout = s.StopTimeout,
        Init = s.Init ? true : null,
        RestartPolicy = s.RestartPolicy,
        Settings = SettingsWire.From(s.Settings),
        Healthcheck = s.Healthcheck is { } h ? new HealthcheckWire { Test = [.. h.Test], Interval = h.Interval, Timeout = h.Timeout, Retries = h.Retries, StartPeriod = h.StartPeriod } : null,
    };

    public ContainerSpec ToSpec() => new()
    {
        Image = Image,
        Name = Name,
        Env = Env ?? [],
        Labels = Labels ?? [],
        Cmd = Cmd,
        Entrypoint = Entrypoint,
        WorkingDir = WorkingDir,
        Network = Network,
        Ports = Ports is null ? [] : [.. Ports.Select(p => new PortBinding(p.ContainerPort, p.HostPort, p.HostIp ?? "", p.Protocol ?? "tcp"))],
        StopTimeout = StopTimeout,
        Init = Init ?? false,
        RestartPolicy = RestartPolicy,
        Settings = Settings?.ToSettings() ?? new ContainerSettings(),
        Healthcheck = Healthcheck is { } h ? new EngineHealthcheck(h.Test, h.Interval, h.Timeout, h.Retries, h.StartPeriod) : null,
    };
}

[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
internal sealed record PortWire
{
    public required int ContainerPort { get; init; }
    public required int HostPort { get; init; }
    /// <summary>The agent binds its config's <c>address</c>; empty, 127.0.0.1 or that address are accepted, nothing else.</summary>
    public string? HostIp { get; init; }
    public string? Protocol { get; init; }
}

[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
internal sealed record SettingsWire
{
    public List<string>? Volumes { get; init; }
    public long? MemoryBytes { get; init; }
    public long? NanoCpus { get; init; }
    public string? LogDriver { get; init; }
    public Dictionary<string, string>? LogOptions { get; init; }
    public string? User { get; init; }
    public List<string>? ExtraHosts { get; init; }
    public string? StopSignal { get; init; }

    /// <summary>Null when every setting is the default, so a plain spec stays short on the wire.</summary>
    public static SettingsWire? From(ContainerSettings s) =>
        s.Volumes.Count == 0 && s.MemoryBytes is null && s.NanoCpus is null && s.LogDriver is null && s.LogOptions.Count == 0
            && s.User is null && s.ExtraHosts.Count == 0 && s.StopSignal is null
            ? null
            : new SettingsWire
            {
                Volumes = s.Volumes.Count == 0 ? null : [.. s.Volumes],
                MemoryBytes = s.MemoryBytes,
                NanoCpus = s.NanoCpus,
                LogDriver = s.LogDriver,
                LogOptions = s.LogOptions.Count == 0 ? null : new Dictionary<string, string>(s.LogOptions),
                User = s.User,
                ExtraHosts = s.ExtraHosts.Count == 0 ? null : [.. s.ExtraHosts],
                StopSignal = s.StopSignal,
            };

    public ContainerSettings ToSettings() => new()
    {
        Volumes = Volumes ?? [],
        MemoryBytes = MemoryBytes,
        NanoCpus = NanoCpus,
        LogDriver = LogDriver,
        LogOptions = LogOptions ?? [],
        User = User,
        ExtraHosts = ExtraHosts ?? [],
        StopSignal = StopSignal,
    };
}

[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
internal sealed record HealthcheckWire
{
    public required List<string> Test { get; init; }
    public TimeSpan? Interval { get; init; }
    public TimeSpan? Timeout { get; init; }
    public int? Retries { get; init; }
    public TimeSpan? StartPeriod { get; init; }
}
