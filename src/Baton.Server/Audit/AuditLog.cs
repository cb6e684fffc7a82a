using Baton.Contracts;
using Baton.Server.Auth;

namespace Baton.Server.Audit;

/// <summary>
/// Who did what, when, to which target, and how it ended: every change of what runs, every
/// sign-in, user and token change. Kept in <c>access.db</c> beside the users it names.
/// </summary>
internal sealed class AuditLog(AccessStore store)
{
    public const string Succeeded = "succeeded";
    public const string Failed = "failed";
    /// <summary>Refused before anything was tried: wrong role, throttled sign-in.</summary>
    public const string Refused = "refused";

    public void Write(string actor, string action, string? target, string outcome, string? detail = null) =>
        store.AppendAudit(Clip(actor, 100)!, action, Clip(target, 200), outcome, Clip(detail, 2000));

    public IReadOnlyList<AuditEntry> Read(string? target, int limit) => store.Audit(target, limit);

    private static string? Clip(string? text, int max) => text is null || text.Length <= max ? text : text[..max] + "…";
}
