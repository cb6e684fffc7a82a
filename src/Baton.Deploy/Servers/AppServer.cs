using Baton.Docker;

namespace Baton.Deploy.Servers;

/// <summary>
/// One app server as the deployer sees it: its name (as in <c>servers:</c> of baton.yml), the
/// address its containers are reached at (where their ports are published), its engine, and whether
/// it is drained (out of every pool: no new container goes there until it is resumed).
/// </summary>
public sealed record AppServer(string Name, string Address, IContainerEngine Engine, bool Drained = false);
