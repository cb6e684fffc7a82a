using System.Text.Json;
using System.Text.Json.Serialization;

namespace Baton.Registry;

// The Registry HTTP API's wire shapes, kept internal: callers see TagInfo and TagList.

internal sealed class TagsPage
{
    public string? Name { get; set; }
    public List<string>? Tags { get; set; }
}

internal sealed class TokenAnswer
{
    public string? Token { get; set; }
    [JsonPropertyName("access_token")]
    public string? AccessToken { get; set; }
    [JsonPropertyName("expires_in")]
    public int? ExpiresIn { get; set; }
}

/// <summary>A Docker v2 or OCI image manifest, or a manifest list / OCI index (then <see cref="Manifests"/> is set).</summary>
internal sealed class Manifest
{
    public int SchemaVersion { get; set; }
    public string? MediaType { get; set; }
    public Descriptor? Config { get; set; }
    public List<Descriptor>? Manifests { get; set; }
}

internal sealed class Descriptor
{
    public string? MediaType { get; set; }
    public string? Digest { get; set; }
    public long Size { get; set; }
    public Platform? Platform { get; set; }
}

internal sealed class Platform
{
    public string? Os { get; set; }
    public string? Architecture { get; set; }
}

/// <summary>The part of an image config blob Baton reads: when the image was built.</summary>
internal sealed class ImageConfig
{
    public string? Created { get; set; }
}

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(TagsPage))]
[JsonSerializable(typeof(TokenAnswer))]
[JsonSerializable(typeof(Manifest))]
[JsonSerializable(typeof(ImageConfig))]
internal sealed partial class RegistryJson : JsonSerializerContext
{
    /// <summary>Parses JSON or gives null: a registry that answers garbage is reported by the caller, not thrown.</summary>
    public static T? TryParse<T>(ReadOnlySpan<byte> json, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type) where T : class
    {
        try
        {
            return JsonSerializer.Deserialize(json, type);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
