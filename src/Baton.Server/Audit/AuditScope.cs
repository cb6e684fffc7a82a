using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Baton.Server.Audit;

/// <summary>Endpoint metadata: calls of this endpoint go to the audit log under <paramref name="Action"/>.</summary>
public sealed record AuditedAction(string Action);

/// <summary>Declares that an endpoint is audited: <c>app.MapPost(…).Audited("deploy")</c>.</summary>
public static class AuditedEndpoints
{
    public static TBuilder Audited<TBuilder>(this TBuilder builder, string action) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new AuditedAction(action));
}

/// <summary>
/// The audit entry of one audited call, written once when the call ends. The middleware writes
/// it from the answer's status; an endpoint that streams a long operation takes it over
/// (<see cref="Defer"/>) and completes it with the operation's real outcome, even after the
/// caller has gone.
/// </summary>
internal sealed class AuditScope(AuditLog log, string actor, string action, string? target)
{
    private static readonly object Key = new();
    private int _written;

    /// <summary>What the call acted on; the route's service name unless the endpoint knows better.</summary>
    public string? Target { get; set; } = target;

    /// <summary>A short note of what was asked for, such as <c>on</c> for maintenance.</summary>
    public string? Detail { get; set; }

    public bool Deferred { get; private set; }

    public static AuditScope? Of(HttpContext context) => context.Items.TryGetValue(Key, out var s) ? s as AuditScope : null;

    internal void Attach(HttpContext context) => context.Items[Key] = this;

    /// <summary>Takes the entry over from the middleware; the caller must <see cref="Complete"/> it.</summary>
    public static AuditScope? Defer(HttpContext context)
    {
        var scope = Of(context);
        if (scope is not null) scope.Deferred = true;
        return scope;
    }

    /// <summary>Writes the entry (only the first call writes).</summary>
    public void Complete(string outcome, string? detail)
    {
        if (Interlocked.Exchange(ref _written, 1) == 1) return;
        var text = (Detail, detail) switch
        {
            (null, _) => detail,
            (_, null) => Detail,
            _ => $"{Detail}: {detail}",
        };
        log.Write(actor, action, Target, outcome, text);
    }
}
