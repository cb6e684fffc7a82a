namespace Baton.Router.Routing;

public static class ServiceNames
{
    /// <summary>Lower-case letters, digits and dashes, starting with a letter, at most 63 characters (a DNS label).</summary>
    public static bool IsValid(string? name, out string error)
    {
        error = "";
        if (!string.IsNullOrEmpty(name) && name.Length <= 63 && char.IsAsciiLetterLower(name[0]) && name[^1] != '-'
            && name.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '-'))
            return true;
        error = $"Service name '{name}' is invalid: use lower-case letters, digits and dashes, starting with a letter.";
        return false;
    }
}
