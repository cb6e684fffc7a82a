using Baton.Docker;

namespace Baton.Hosts.Protocol;

/// <summary>
/// The answer to one request, one JSON line: <c>ok</c>, or the error's kind and one sentence. <see cref="Refused"/>
/// says the host's config refused it (nothing was done), as opposed to the engine failing it.
/// </summary>
internal record HostAnswer
{
    public bool Ok { get; init; }

    public DockerErrorKind? Error { get; init; }

    public bool? Refused { get; init; }

    public string? Message { get; init; }

    public static HostAnswer Success { get; } = new() { Ok = true };

    public static HostAnswer Failure(DockerError error) => new() { Error = error.Kind, Message = error.Message };

    /// <summary>The host's config does not allow it; reported to the controller as an engine error with the sentence.</summary>
    public static HostAnswer Refusal(string message) => new() { Error = DockerErrorKind.Engine, Refused = true, Message = message };
}

/// <summary>An answer with a value: the created id, an inspected container, a list, logs, an exit code, the host's facts.</summary>
internal sealed record HostAnswer<T> : HostAnswer
{
    public T? Value { get; init; }
}

/// <summary>
/// One line of an <c>events</c> stream after the first answer: an event, or the end (<see cref="End"/>), with the
/// error when the engine's stream broke. A stream that stops without an end line broke on the way.
/// </summary>
internal sealed record EventLine
{
    public DockerEvent? Event { get; init; }

    public bool? End { get; init; }

    public DockerErrorKind? Error { get; init; }

    public string? Message { get; init; }
}
