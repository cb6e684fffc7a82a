namespace Baton.Router.Listeners;

/// <summary>
/// Set on each connection as it is accepted: which listener took it and whether that listener
/// serves this client. A request reads it from the connection's features; one instance per
/// listener and answer, so accepting a connection allocates nothing for it.
/// </summary>
internal sealed class ListenerFeature(ListenerKind kind, bool clientAllowed)
{
    public ListenerKind Kind { get; } = kind;

    /// <summary>False only on a staging listener, for a client outside its allowlist.</summary>
    public bool ClientAllowed { get; } = clientAllowed;

    public bool IsStaging => Kind == ListenerKind.Staging;
}
