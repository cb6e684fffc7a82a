namespace Baton.Docker;

/// <summary>A container as inspected: identity, state and where it can be reached.</summary>
public sealed record ContainerInfo
{
    public required string Id { get; init; }

    /// <summary>Without the engine's leading slash.</summary>
    public required string Name { get; init; }

    /// <summary>The image as asked for at create, e.g. web:1.2.</summary>
    public required string Image { get; init; }

    /// <summary>The image id (sha256:...) the container runs.</summary>
    public required string ImageId { get; init; }

    public required IReadOnlyDictionary<string, string> Labels { get; init; }

    /// <summary>created, running, paused, restarting, removing, exited or dead.</summary>
    public required string Status { get; init; }

    public bool Running { get; init; }

    public bool OomKilled { get; init; }

    public int Pid { get; init; }

    public long ExitCode { get; init; }

    /// <summary>Restarting now, under its restart policy, after an exit.</summary>
    public bool Restarting { get; init; }

    /// <summary>How many times the engine restarted it under its restart policy.</summary>
    public int RestartCount { get; init; }

    /// <summary>Why the engine could not run the container, when it could not.</summary>
    public string? Error { get; init; }

    /// <summary>starting, healthy or unhealthy when the image declares a health check; else null.</summary>
    public string? Health { get; init; }

    /// <summary>The last health check's exit code and output (trimmed), when the engine ran one.</summary>
    public string? LastHealthCheck { get; init; }

    public DateTimeOffset Created { get; init; }

    public DateTimeOffset? StartedAt { get; init; }

    public DateTimeOffset? FinishedAt { get; init; }

    public string? NetworkMode { get; init; }

    /// <summary>IP address per attached network (empty in host-network mode).</summary>
    public required IReadOnlyDictionary<string, string> NetworkAddresses { get; init; }

    public required IReadOnlyList<PortBinding> Ports { get; init; }

    internal static ContainerInfo From(WireContainer c) => new()
    {
        Id = c.Id ?? "",
        Name = (c.Name ?? "").TrimStart('/'),
        Image = c.Config?.Image ?? "",
        ImageId = c.Image ?? "",
        Labels = c.Config?.Labels ?? [],
        Status = c.State?.Status ?? "",
        Running = c.State?.Running ?? false,
        OomKilled = c.State?.OOMKilled ?? false,
        Pid = c.State?.Pid ?? 0,
        ExitCode = c.State?.ExitCode ?? 0,
        Restarting = c.State?.Restarting ?? false,
        RestartCount = c.RestartCount,
        Error = string.IsNullOrEmpty(c.State?.Error) ? null : c.State.Error,
        Health = c.State?.Health?.Status,
        LastHealthCheck = c.State?.Health?.Log is [.., var last] ? $"exit code {last.ExitCode}{(string.IsNullOrWhiteSpace(last.Output) ? "" : ": " + Shorten(last.Output.Trim()))}" : null,
        Created = c.Created,
        // The engine writes year 1 for "never"; null says that plainly.
        StartedAt = c.State is { StartedAt.Year: > 1 } ? c.State.StartedAt : null,
        FinishedAt = c.State is { FinishedAt.Year: > 1 } ? c.State.FinishedAt : null,
        NetworkMode = c.HostConfig?.NetworkMode,
        NetworkAddresses = (c.NetworkSettings?.Networks ?? [])
            .Where(n => !string.IsNullOrEmpty(n.Value.IPAddress))
            .ToDictionary(n => n.Key, n => n.Value.IPAddress!),
        Ports = [.. (c.NetworkSettings?.Ports ?? [])
            .Where(p => p.Value is not null)
            .SelectMany(p => p.Value!.Select(b => ParseBinding(p.Key, b)))
            .OfType<PortBinding>()],
    };

    /// <summary>A health check's output can be a whole page; its first 300 characters say enough.</summary>
    private static string Shorten(string output)
    {
        // One line: it is quoted inside a sentence.
        var line = output.ReplaceLineEndings(" / ");
        return line.Length <= 300 ? line : line[..300] + "…";
    }

    private static PortBinding? ParseBinding(string key, WirePortBinding binding)
    {
        var parts = key.Split('/');
        return int.TryParse(parts[0], out var containerPort) && int.TryParse(binding.HostPort, out var hostPort)
            ? new PortBinding(containerPort, hostPort, binding.HostIp ?? "", parts.Length > 1 ? parts[1] : "tcp")
            : null;
    }
}

/// <summary>A container as listed: enough to find Baton's containers by label and act on them.</summary>
public sealed record ContainerSummary(
    string Id,
    string Name,
    string Image,
    string ImageId,
    string State,
    string Status,
    DateTimeOffset Created,
    IReadOnlyDictionary<string, string> Labels)
{
    internal static ContainerSummary From(WireContainerSummary c) => new(
        c.Id ?? "",
        (c.Names is { Count: > 0 } names ? names[0] : "").TrimStart('/'),
        c.Image ?? "",
        c.ImageID ?? "",
        c.State ?? "",
        c.Status ?? "",
        DateTimeOffset.FromUnixTimeSeconds(c.Created),
        c.Labels ?? []);
}
