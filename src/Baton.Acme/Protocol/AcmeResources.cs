using System.Text.Json.Serialization;

namespace Baton.Acme.Protocol;

/// <summary>The directory object (RFC 8555 section 7.1.1): where each operation is.</summary>
public sealed record AcmeDirectory(Uri NewNonce, Uri NewAccount, Uri NewOrder, AcmeDirectoryMeta? Meta = null);

public sealed record AcmeDirectoryMeta(string? TermsOfService = null);

/// <summary>An identifier; Baton asks only for <c>dns</c> names.</summary>
public sealed record AcmeIdentifier(string Type, string Value);

/// <summary>An order (RFC 8555 section 7.1.3). <see cref="Url"/> is its Location, not part of the JSON.</summary>
public sealed record AcmeOrder(
    string Status,
    IReadOnlyList<AcmeIdentifier> Identifiers,
    IReadOnlyList<Uri> Authorizations,
    Uri Finalize,
    Uri? Certificate = null,
    AcmeProblem? Error = null)
{
    [JsonIgnore] public Uri? Url { get; init; }
}

/// <summary>An authorization (RFC 8555 section 7.1.4).</summary>
public sealed record AcmeAuthorization(AcmeIdentifier Identifier, string Status, IReadOnlyList<AcmeChallenge> Challenges, bool Wildcard = false);

/// <summary>A challenge (RFC 8555 section 8).</summary>
public sealed record AcmeChallenge(string Type, Uri Url, string Status, string? Token = null, AcmeProblem? Error = null);

/// <summary>An RFC 7807 problem document as ACME uses it (RFC 8555 section 6.7).</summary>
public sealed record AcmeProblem(string? Type = null, string? Detail = null, int? Status = null, IReadOnlyList<AcmeSubproblem>? Subproblems = null);

public sealed record AcmeSubproblem(string? Type = null, string? Detail = null, AcmeIdentifier? Identifier = null);

internal sealed record NewAccountRequest(bool TermsOfServiceAgreed, IReadOnlyList<string>? Contact);

internal sealed record NewOrderRequest(IReadOnlyList<AcmeIdentifier> Identifiers);

internal sealed record FinalizeRequest(string Csr);

internal sealed record EmptyObject;

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(AcmeDirectory))]
[JsonSerializable(typeof(AcmeOrder))]
[JsonSerializable(typeof(AcmeAuthorization))]
[JsonSerializable(typeof(AcmeChallenge))]
[JsonSerializable(typeof(AcmeProblem))]
[JsonSerializable(typeof(NewAccountRequest))]
[JsonSerializable(typeof(NewOrderRequest))]
[JsonSerializable(typeof(FinalizeRequest))]
[JsonSerializable(typeof(EmptyObject))]
[JsonSerializable(typeof(FlattenedJws))]
internal sealed partial class AcmeJson : JsonSerializerContext;
