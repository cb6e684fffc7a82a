namespace Baton.Router.Routing;

/// <summary>The service a request goes to and, on a staging host, the pool it asked for by name.</summary>
public readonly record struct RouteMatch(ServiceEntry? Service, string? Pool);
