using System.Text.Json;
using System.Text.Json.Serialization;

namespace Baton.Contracts;

/// <summary>Source-generated JSON for every type on the wire, shared by the server and the CLI.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, WriteIndented = false, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(ApiError))]
[JsonSerializable(typeof(RouterProcessResponse))]
[JsonSerializable(typeof(RoutersResponse))]
[JsonSerializable(typeof(RouterView))]
[JsonSerializable(typeof(RouterAddResponse))]
[JsonSerializable(typeof(DeployRequest))]
[JsonSerializable(typeof(DeployEvent))]
[JsonSerializable(typeof(PauseRequest))]
[JsonSerializable(typeof(MaintenanceRequest))]
[JsonSerializable(typeof(CanaryRequest))]
[JsonSerializable(typeof(StatusResponse))]
[JsonSerializable(typeof(ServiceStatus))]
[JsonSerializable(typeof(AppliedServicesResponse))]
[JsonSerializable(typeof(RollbackRequest))]
[JsonSerializable(typeof(ApplyRequest))]
[JsonSerializable(typeof(ApplyResponse))]
[JsonSerializable(typeof(RemoveResponse))]
[JsonSerializable(typeof(HistoryResponse))]
[JsonSerializable(typeof(TrafficResponse))]
[JsonSerializable(typeof(ReleasesResponse))]
[JsonSerializable(typeof(DefinitionView))]
[JsonSerializable(typeof(TagsResponse))]
[JsonSerializable(typeof(IReadOnlyList<RegistryView>))]
[JsonSerializable(typeof(RegistryLoginRequest))]
[JsonSerializable(typeof(SessionRequest))]
[JsonSerializable(typeof(SessionResponse))]
[JsonSerializable(typeof(UsersResponse))]
[JsonSerializable(typeof(UserView))]
[JsonSerializable(typeof(UserRequest))]
[JsonSerializable(typeof(UserUpdate))]
[JsonSerializable(typeof(TokensResponse))]
[JsonSerializable(typeof(TokenView))]
[JsonSerializable(typeof(TokenRequest))]
[JsonSerializable(typeof(TokenCreated))]
[JsonSerializable(typeof(AuditResponse))]
[JsonSerializable(typeof(AuditEntry))]
[JsonSerializable(typeof(HostAddRequest))]
[JsonSerializable(typeof(HostView))]
[JsonSerializable(typeof(HostsResponse))]
[JsonSerializable(typeof(HostContactResponse))]
public sealed partial class BatonJson : JsonSerializerContext
{
    /// <summary>The same contract, indented, for <c>--json</c> output meant for people too.</summary>
    public static BatonJson Indented { get; } = new(new JsonSerializerOptions(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    });
}
