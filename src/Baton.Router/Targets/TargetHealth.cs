namespace Baton.Router.Targets;

public enum TargetHealth
{
    /// <summary>New: takes no traffic until its health checks pass.</summary>
    Pending,
    Healthy,
    /// <summary>Failed its checks or was ejected after connection failures; re-probed until healthy.</summary>
    Unhealthy,
}
