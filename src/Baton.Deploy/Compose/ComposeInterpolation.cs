using System.Text;

namespace Baton.Deploy.Compose;

/// <summary>
/// Compose's variable substitution in values: <c>$VAR</c>, <c>${VAR}</c>, <c>${VAR:-default}</c>
/// (unset or empty), <c>${VAR-default}</c> (unset), <c>${VAR:?message}</c> and <c>${VAR?message}</c>
/// (an error), and <c>$$</c> for a literal <c>$</c>. An unset variable without a default is empty,
/// as compose does, and is reported so the user sees it.
/// </summary>
internal static class ComposeInterpolation
{
    /// <returns>The value with every variable replaced, or null with <paramref name="error"/> set.</returns>
    public static string? Apply(string text, Func<string, string?> lookup, ICollection<string> unset, out string? error)
    {
        error = null;
        if (!text.Contains('$')) return text;
        var sb = new StringBuilder(text.Length);
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (c != '$' || i + 1 >= text.Length)
            {
                sb.Append(c);
                continue;
            }
            char next = text[i + 1];
            if (next == '$')
            {
                sb.Append('$');
                i++;
                continue;
            }
            if (next == '{')
            {
                int close = text.IndexOf('}', i + 2);
                if (close < 0)
                {
                    error = $"'{text}' has a ${{ without its }}";
                    return null;
                }
                var inner = text[(i + 2)..close];
                var value = Braced(inner, lookup, unset, out error);
                if (value is null) return null;
                sb.Append(value);
                i = close;
                continue;
            }
            if (char.IsAsciiLetter(next) || next == '_')
            {
                int end = i + 1;
                while (end < text.Length && (char.IsAsciiLetterOrDigit(text[end]) || text[end] == '_')) end++;
                var name = text[(i + 1)..end];
                sb.Append(Lookup(name, lookup, unset) ?? "");
                i = end - 1;
                continue;
            }
            sb.Append(c);
        }
        return sb.ToString();
    }

    private static string? Braced(string inner, Func<string, string?> lookup, ICollection<string> unset, out string? error)
    {
        error = null;
        int op = inner.IndexOfAny([':', '-', '?']);
        var name = op < 0 ? inner : inner[..op];
        if (name.Length == 0 || !(char.IsAsciiLetter(name[0]) || name[0] == '_') || !name.All(ch => char.IsAsciiLetterOrDigit(ch) || ch == '_'))
        {
            error = $"'${{{inner}}}' is not a variable (write ${{NAME}} or ${{NAME:-default}})";
            return null;
        }
        var value = lookup(name);
        if (op < 0)
        {
            if (value is null) unset.Add(name);
            return value ?? "";
        }
        bool colon = inner[op] == ':';
        var rest = colon ? inner[(op + 1)..] : inner[op..];
        if (rest.Length == 0)
        {
            error = $"'${{{inner}}}' is not a variable (write ${{NAME}} or ${{NAME:-default}})";
            return null;
        }
        bool missing = value is null || (colon && value.Length == 0);
        switch (rest[0])
        {
            case '-':
                return missing ? rest[1..] : value;
            case '?':
                if (!missing) return value;
                error = $"{name} is required: {(rest.Length > 1 ? rest[1..] : "it is not set")}";
                return null;
            default:
                error = $"'${{{inner}}}' is not a variable (write ${{NAME}} or ${{NAME:-default}})";
                return null;
        }
    }

    private static string? Lookup(string name, Func<string, string?> lookup, ICollection<string> unset)
    {
        var value = lookup(name);
        if (value is null) unset.Add(name);
        return value;
    }
}
