using System.Text.Json.Serialization;
using Baton.Contracts;
using Baton.Deploy;
using Baton.Deploy.Rollouts;

namespace Baton.Server.RouterLink;

// What crosses the router's control socket between the controller and the router process.
// Each call is one POST of one of these and one answer; nothing here is a public API.

internal sealed record LinkService(string Service);
internal sealed record LinkStage(string Service, RouteSpec Routes, string Pool, IReadOnlyList<string> Targets, TimeSpan DeployTimeout, bool Standby, string? Release = null);
internal sealed record LinkMerge(string Service, IReadOnlyList<string> Remove, bool AddCandidate, string? PoolName);
internal sealed record LinkDrain(string Id);
internal sealed record LinkDrained(int Closed);
internal sealed record LinkShare(string Service, double Percent);
internal sealed record LinkPercent(double Percent);
internal sealed record LinkNumbers(string Service, IReadOnlyList<string> Targets, int Seconds);
internal sealed record LinkLive(LivePool? Live);
internal sealed record LinkStaging(string Service, string Pool);
internal sealed record LinkStagingAnswer(string? Url, string? Host);
internal sealed record LinkRoutes(string Service, IReadOnlyList<string> Hosts, string Path, string Staging);
internal sealed record LinkRemove(string Service, bool WaitForDrain);
internal sealed record LinkPause(string Service, TimeSpan Max);
internal sealed record LinkMaintenance(string Service, bool On, string? Message);
internal sealed record LinkTargets(string Service, DeployRequest Body);

/// <summary>An answer that is a sentence or nothing (null: done), or a yes/no.</summary>
internal sealed record LinkAnswer(string? Error, bool Yes = false);

/// <summary>One line of a <c>--target</c> deploy's stream: refused or begun first, then progress, then the end (<see cref="Done"/>).</summary>
internal sealed record LinkTargetsLine(string Kind, string? Message, int Status = 0, bool Done = false);

[JsonSourceGenerationOptions(System.Text.Json.JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(LinkService))]
[JsonSerializable(typeof(LinkStage))]
[JsonSerializable(typeof(LinkMerge))]
[JsonSerializable(typeof(LinkDrain))]
[JsonSerializable(typeof(LinkDrained))]
[JsonSerializable(typeof(LinkShare))]
[JsonSerializable(typeof(LinkPercent))]
[JsonSerializable(typeof(LinkNumbers))]
[JsonSerializable(typeof(LinkLive))]
[JsonSerializable(typeof(LinkStaging))]
[JsonSerializable(typeof(LinkStagingAnswer))]
[JsonSerializable(typeof(LinkRoutes))]
[JsonSerializable(typeof(LinkRemove))]
[JsonSerializable(typeof(LinkPause))]
[JsonSerializable(typeof(LinkMaintenance))]
[JsonSerializable(typeof(LinkTargets))]
[JsonSerializable(typeof(LinkAnswer))]
[JsonSerializable(typeof(LinkTargetsLine))]
[JsonSerializable(typeof(PoolNumbers))]
[JsonSerializable(typeof(StatusResponse))]
[JsonSerializable(typeof(ServiceStatus))]
[JsonSerializable(typeof(RouterAnswerCounts))]
[JsonSerializable(typeof(TrafficResponse))]
[JsonSerializable(typeof(RouterProcessResponse))]
internal sealed partial class RouterLinkJson : JsonSerializerContext;
