using Baton.Docker;

namespace Baton.Deploy.Servers;

/// <summary>
/// One app server as the deployer sees it: its name (as in <c>servers:</c> of baton.yml), the
/// address its containers are reached at (where their ports are published), and its engine.
/// </summary>
public sealed record AppServer(string Name, string Address, IContainerEngine Engine);
