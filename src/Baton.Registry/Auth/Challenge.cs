using System.Net.Http.Headers;
using System.Text;

namespace Baton.Registry.Auth;

/// <summary>
/// One <c>WWW-Authenticate</c> challenge of a 401: <c>Basic realm="…"</c>, or
/// <c>Bearer realm="…",service="…",scope="…"</c> naming the token server to ask.
/// </summary>
internal sealed record Challenge(string Scheme, IReadOnlyDictionary<string, string> Parameters)
{
    public bool IsBasic => Scheme.Equals("Basic", StringComparison.OrdinalIgnoreCase);
    public bool IsBearer => Scheme.Equals("Bearer", StringComparison.OrdinalIgnoreCase);

    public string? this[string name] => Parameters.TryGetValue(name, out var v) ? v : null;

    /// <summary>The first Bearer challenge, else the first Basic one, else null.</summary>
    public static Challenge? Pick(HttpHeaderValueCollection<AuthenticationHeaderValue> headers)
    {
        var all = headers.Select(h => new Challenge(h.Scheme, ParseParameters(h.Parameter ?? ""))).ToList();
        return all.FirstOrDefault(c => c.IsBearer) ?? all.FirstOrDefault(c => c.IsBasic);
    }

    /// <summary>Comma-separated <c>key=value</c> pairs; values are tokens or quoted strings with backslash escapes (a scope may hold commas).</summary>
    internal static Dictionary<string, string> ParseParameters(string text)
    {
        var result = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        int i = 0;
        while (i < text.Length)
        {
            while (i < text.Length && (text[i] == ',' || char.IsWhiteSpace(text[i]))) i++;
            int eq = text.IndexOf('=', i);
            if (eq < 0) break;
            var key = text[i..eq].Trim();
            i = eq + 1;
            var value = new StringBuilder();
            if (i < text.Length && text[i] == '"')
            {
                for (i++; i < text.Length && text[i] != '"'; i++)
                {
                    if (text[i] == '\\' && i + 1 < text.Length) i++;
                    value.Append(text[i]);
                }
                i++; // the closing quote
            }
            else
            {
                for (; i < text.Length && text[i] != ','; i++) value.Append(text[i]);
            }
            if (key.Length > 0) result[key] = value.ToString().Trim();
        }
        return result;
    }
}
