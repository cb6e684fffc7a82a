using System.Diagnostics.CodeAnalysis;

namespace Baton.Registry;

/// <summary>Why a registry call failed; the API maps every kind to 502, the CLI shows the sentence.</summary>
public enum RegistryErrorKind
{
    /// <summary>No connection, a TLS failure or no answer in time.</summary>
    Unreachable,
    /// <summary>The registry wants credentials and none are stored.</summary>
    NeedsLogin,
    /// <summary>The registry (or its token server) refused the credentials, or denied access.</summary>
    CredentialsRefused,
    /// <summary>The registry does not know the repository.</summary>
    RepositoryUnknown,
    /// <summary>The registry answered something that is not the Registry HTTP API.</summary>
    BadAnswer,
}

/// <summary>A failed registry call: a kind to branch on and one sentence for a person.</summary>
public sealed record RegistryError(RegistryErrorKind Kind, string Message)
{
    public override string ToString() => $"{Kind}: {Message}";
}

/// <summary>The outcome of a registry call: a value or a <see cref="RegistryError"/>; failures are values, never exceptions.</summary>
public sealed class RegistryResult<T>
{
    private readonly T? _value;

    private RegistryResult(T? value, RegistryError? error)
    {
        _value = value;
        Error = error;
    }

    public RegistryError? Error { get; }

    [MemberNotNullWhen(false, nameof(Error))]
    public bool IsSuccess => Error is null;

    public bool TryGetValue([MaybeNullWhen(false)] out T value, [NotNullWhen(false)] out RegistryError? error)
    {
        value = _value;
        error = Error;
        return Error is null;
    }

    public static implicit operator RegistryResult<T>(T value) => new(value, null);

    public static implicit operator RegistryResult<T>(RegistryError error) => new(default, error);

    public override string ToString() => Error?.ToString() ?? $"Ok({_value})";
}
