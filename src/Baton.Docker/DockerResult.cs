using System.Diagnostics.CodeAnalysis;

namespace Baton.Docker;

/// <summary>Why a call to the Docker engine failed; callers branch on this rather than on message text.</summary>
public enum DockerErrorKind
{
    EngineUnreachable,
    ImageNotFound,
    NetworkNotFound,
    ContainerNotFound,
    NameInUse,
    PortInUse,
    ApiVersionTooOld,
    Conflict,
    Engine,
}

/// <summary>A failed Docker call: a kind to branch on and one clear sentence to show a person.</summary>
public sealed record DockerError(DockerErrorKind Kind, string Message)
{
    public override string ToString() => $"{Kind}: {Message}";
}

/// <summary>Thrown only by <see cref="DockerResult{T}.Value"/> when a caller asks for the value of a failure.</summary>
public sealed class DockerException(DockerError error) : Exception(error.Message)
{
    public DockerError Error { get; } = error;
}

/// <summary>The outcome of a Docker call that returns nothing: success or a <see cref="DockerError"/>.</summary>
public sealed class DockerResult
{
    public static DockerResult Ok { get; } = new(null);

    private DockerResult(DockerError? error) => Error = error;

    public DockerError? Error { get; }

    [MemberNotNullWhen(false, nameof(Error))]
    public bool IsSuccess => Error is null;

    /// <summary>Throws <see cref="DockerException"/> on failure; for tests and callers that cannot go on without success.</summary>
    public void ThrowIfFailed()
    {
        if (Error is not null) throw new DockerException(Error);
    }

    public static implicit operator DockerResult(DockerError error) => new(error);

    public override string ToString() => Error?.ToString() ?? "Ok";
}

/// <summary>The outcome of a Docker call: a value or a <see cref="DockerError"/>.</summary>
public sealed class DockerResult<T>
{
    private readonly T? value;

    private DockerResult(T? value, DockerError? error)
    {
        this.value = value;
        Error = error;
    }

    public DockerError? Error { get; }

    [MemberNotNullWhen(false, nameof(Error))]
    public bool IsSuccess => Error is null;

    /// <summary>The value; throws <see cref="DockerException"/> when the call failed.</summary>
    public T Value => Error is null ? value! : throw new DockerException(Error);

    public bool TryGetValue([MaybeNullWhen(false)] out T result, [NotNullWhen(false)] out DockerError? error)
    {
        result = value;
        error = Error;
        return Error is null;
    }

    public static implicit operator DockerResult<T>(T value) => new(value, null);

    /// <summary>A success; for an interface-typed value, which C# does not convert implicitly.</summary>
    public static DockerResult<T> Of(T value) => new(value, null);

    public static implicit operator DockerResult<T>(DockerError error) => new(default, error);

    public override string ToString() => Error?.ToString() ?? $"Ok({value})";
}
