namespace Baton.Hosts.Agent;

/// <summary>
/// A name or a simple glob from a host's config (<c>web</c>, <c>shop-*</c>, <c>api-?</c>): <c>*</c> is any run of
/// characters, <c>?</c> one character, everything else itself, case-sensitive, over the whole name.
/// </summary>
internal sealed record NamePattern(string Text)
{
    public bool Matches(string name) => Match(Text, 0, name, 0);

    public override string ToString() => Text;

    private static bool Match(string pattern, int p, string name, int n)
    {
        while (p < pattern.Length)
        {
            switch (pattern[p])
            {
                case '*':
                    // Collapse runs of '*'; then try every split point (names are short, patterns shorter).
                    while (p < pattern.Length && pattern[p] == '*') p++;
                    if (p == pattern.Length) return true;
                    for (var i = n; i <= name.Length; i++)
                    {
                        if (Match(pattern, p, name, i)) return true;
                    }
                    return false;
                case '?':
                    if (n == name.Length) return false;
                    break;
                default:
                    if (n == name.Length || name[n] != pattern[p]) return false;
                    break;
            }
            p++;
            n++;
        }
        return n == name.Length;
    }
}
