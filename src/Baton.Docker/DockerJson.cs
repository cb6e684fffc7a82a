using System.Text.Json;
using System.Text.Json.Serialization;

namespace Baton.Docker;

// The engine's wire shapes, kept internal: the public records (ContainerInfo, ImageInfo, DockerEvent) are what callers see,
// so the engine's naming quirks (Id vs ID, nested State) stay in this file. Property names are the engine's (PascalCase);
// reading is case-insensitive because events use lower-case names ("id", "time") next to PascalCase ones.

internal sealed class VersionResponse
{
    public string? Version { get; set; }
    public string? ApiVersion { get; set; }
    public string? MinAPIVersion { get; set; }
    public string? Os { get; set; }
    public string? Arch { get; set; }
}

internal sealed class EngineMessage
{
    public string? Message { get; set; }
}

internal sealed class EmptyObject;

internal sealed class CreateContainerRequest
{
    public string? Image { get; set; }
    public List<string>? Env { get; set; }
    public Dictionary<string, string>? Labels { get; set; }
    public List<string>? Cmd { get; set; }
    public List<string>? Entrypoint { get; set; }
    public string? WorkingDir { get; set; }
    public string? User { get; set; }
    public string? StopSignal { get; set; }
    public int? StopTimeout { get; set; }
    public Dictionary<string, EmptyObject>? ExposedPorts { get; set; }
    public WireHealthConfig? Healthcheck { get; set; }
    public CreateHostConfig? HostConfig { get; set; }
}

/// <summary>The engine's health check: durations in nanoseconds, as the API takes them.</summary>
internal sealed class WireHealthConfig
{
    public List<string>? Test { get; set; }
    public long? Interval { get; set; }
    public long? Timeout { get; set; }
    public int? Retries { get; set; }
    public long? StartPeriod { get; set; }
}

internal sealed class CreateHostConfig
{
    public string? NetworkMode { get; set; }
    public bool? Init { get; set; }
    public Dictionary<string, List<WirePortBinding>>? PortBindings { get; set; }
    public WireRestartPolicy? RestartPolicy { get; set; }
    public List<string>? Binds { get; set; }
    public long? Memory { get; set; }
    public long? NanoCpus { get; set; }
    public WireLogConfig? LogConfig { get; set; }
    public List<string>? ExtraHosts { get; set; }
}

internal sealed class WireLogConfig
{
    public string? Type { get; set; }
    public Dictionary<string, string>? Config { get; set; }
}

internal sealed class WireRestartPolicy
{
    public string? Name { get; set; }
}

internal sealed class WirePortBinding
{
    public string? HostIp { get; set; }
    public string? HostPort { get; set; }
}

internal sealed class CreateContainerResponse
{
    public string? Id { get; set; }
    public List<string>? Warnings { get; set; }
}

internal sealed class WaitResponse
{
    public long StatusCode { get; set; }
    public EngineMessage? Error { get; set; }
}

internal sealed class WireContainer
{
    public string? Id { get; set; }
    public string? Name { get; set; }
    public string? Image { get; set; }
    public DateTimeOffset Created { get; set; }
    public int RestartCount { get; set; }
    public WireState? State { get; set; }
    public WireConfig? Config { get; set; }
    public WireNetworkSettings? NetworkSettings { get; set; }
    public WireHostConfig? HostConfig { get; set; }
}

internal sealed class WireState
{
    public string? Status { get; set; }
    public bool Running { get; set; }
    public bool Restarting { get; set; }
    public bool OOMKilled { get; set; }
    public int Pid { get; set; }
    public long ExitCode { get; set; }
    public string? Error { get; set; }
    public DateTimeOffset StartedAt { get; set; }
    public DateTimeOffset FinishedAt { get; set; }
    public WireHealth? Health { get; set; }
}

internal sealed class WireHealth
{
    public string? Status { get; set; }
    public List<WireHealthLog>? Log { get; set; }
}

internal sealed class WireHealthLog
{
    public int ExitCode { get; set; }
    public string? Output { get; set; }
}

internal sealed class WireConfig
{
    public string? Image { get; set; }
    public bool Tty { get; set; }
    public List<string>? Env { get; set; }
    public List<string>? Cmd { get; set; }
    public Dictionary<string, string>? Labels { get; set; }
}

internal sealed class WireHostConfig
{
    public string? NetworkMode { get; set; }
}

internal sealed class WireNetworkSettings
{
    public Dictionary<string, List<WirePortBinding>?>? Ports { get; set; }
    public Dictionary<string, WireEndpoint>? Networks { get; set; }
}

internal sealed class WireEndpoint
{
    public string? IPAddress { get; set; }
}

internal sealed class WireContainerSummary
{
    public string? Id { get; set; }
    public List<string>? Names { get; set; }
    public string? Image { get; set; }
    public string? ImageID { get; set; }
    public long Created { get; set; }
    public string? State { get; set; }
    public string? Status { get; set; }
    public Dictionary<string, string>? Labels { get; set; }
}

internal sealed class WireImage
{
    public string? Id { get; set; }
    public WireImageConfig? Config { get; set; }
    public List<string>? RepoTags { get; set; }
    public List<string>? RepoDigests { get; set; }
    public DateTimeOffset Created { get; set; }
    public long Size { get; set; }
}

internal sealed class WireImageConfig
{
    public Dictionary<string, EmptyObject>? ExposedPorts { get; set; }
}

/// <summary>One line of the progress stream of a pull or an import; a failure arrives as <c>error</c> inside it.</summary>
internal sealed class ProgressLine
{
    public string? Status { get; set; }
    public string? Id { get; set; }
    public string? Progress { get; set; }
    public string? Error { get; set; }
    public EngineMessage? ErrorDetail { get; set; }
}

internal sealed class RegistryAuth
{
    [JsonPropertyName("username")] public string? Username { get; set; }
    [JsonPropertyName("password")] public string? Password { get; set; }
    [JsonPropertyName("serveraddress")] public string? ServerAddress { get; set; }
}

internal sealed class WireEvent
{
    public string? Type { get; set; }
    public string? Action { get; set; }
    public WireActor? Actor { get; set; }
    public long TimeNano { get; set; }
}

internal sealed class WireActor
{
    [JsonPropertyName("ID")] public string? Id { get; set; }
    public Dictionary<string, string>? Attributes { get; set; }
}

[JsonSourceGenerationOptions(
    PropertyNameCaseInsensitive = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    NumberHandling = JsonNumberHandling.AllowReadingFromString)]
[JsonSerializable(typeof(VersionResponse))]
[JsonSerializable(typeof(EngineMessage))]
[JsonSerializable(typeof(CreateContainerRequest))]
[JsonSerializable(typeof(CreateContainerResponse))]
[JsonSerializable(typeof(WaitResponse))]
[JsonSerializable(typeof(WireContainer))]
[JsonSerializable(typeof(List<WireContainerSummary>))]
[JsonSerializable(typeof(WireImage))]
[JsonSerializable(typeof(ProgressLine))]
[JsonSerializable(typeof(RegistryAuth))]
[JsonSerializable(typeof(WireEvent))]
[JsonSerializable(typeof(Dictionary<string, List<string>>))]
internal sealed partial class DockerJson : JsonSerializerContext
{
    /// <summary>Parses a JSON body, or null when it is not the expected JSON (the engine sometimes answers in plain text).</summary>
    public static T? TryParse<T>(string text, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type) where T : class
    {
        try
        {
            return JsonSerializer.Deserialize(text, type);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
