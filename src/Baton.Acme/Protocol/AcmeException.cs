namespace Baton.Acme.Protocol;

/// <summary>
/// The ACME server refused or failed something; <see cref="Exception.Message"/> is one sentence for
/// the user (what was asked, for which name, the problem's type and detail).
/// </summary>
public sealed class AcmeException(string message, AcmeProblem? problem = null) : Exception(message)
{
    /// <summary>The server's problem document, when it sent one.</summary>
    public AcmeProblem? Problem { get; } = problem;

    /// <summary>True when the problem is <c>badNonce</c>: the request may be sent again with a fresh nonce.</summary>
    public bool IsBadNonce => Problem?.Type == AcmeProblems.Prefix + "badNonce";
}

/// <summary>Turns problem documents into words.</summary>
public static class AcmeProblems
{
    public const string Prefix = "urn:ietf:params:acme:error:";

    /// <summary>
    /// <c>unauthorized: the answer at http://… was wrong</c>: the type without ACME's URN prefix, then
    /// the detail, then each subproblem's name and detail. Never empty.
    /// </summary>
    public static string Describe(AcmeProblem? problem)
    {
        if (problem is null) return "no reason given";
        var type = problem.Type is { Length: > 0 } t ? (t.StartsWith(Prefix, StringComparison.Ordinal) ? t[Prefix.Length..] : t) : "error";
        var text = problem.Detail is { Length: > 0 } d ? $"{type}: {d.TrimEnd('.')}" : type;
        foreach (var sub in problem.Subproblems ?? [])
            text += $"; {sub.Identifier?.Value ?? "?"}: {Describe(new AcmeProblem(sub.Type, sub.Detail))}";
        return text;
    }
}
