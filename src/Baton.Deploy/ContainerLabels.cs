namespace Baton.Deploy;

/// <summary>The labels Baton puts on every container it makes, so the truth can be read back from the engine.</summary>
public static class ContainerLabels
{
    public const string Service = "baton.service";
    public const string Color = "baton.color";
    public const string Release = "baton.release";
    /// <summary><c>web</c>, <c>worker</c> or <c>task</c>.</summary>
    public const string Role = "baton.role";
    /// <summary>The image reference the user asked for (the container runs its pinned id).</summary>
    public const string Image = "baton.image";
    /// <summary>Where the router reaches a web container, <c>127.0.0.1:PORT</c>.</summary>
    public const string Target = "baton.target";

    /// <summary>The app server a container runs on, when the service names <c>servers:</c>.</summary>
    public const string Server = "baton.server";

    public const string Web = "web";
    public const string Worker = "worker";
    public const string Task = "task";
}
