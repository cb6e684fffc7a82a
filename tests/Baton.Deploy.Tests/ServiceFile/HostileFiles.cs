using System.Text;

namespace Baton.Deploy.Tests.ServiceFile;

/// <summary>
/// The service files of issue 12 that killed the server: exactly the bytes sent, shared with the
/// functional tests that send them through the API and the CLI.
/// </summary>
public static class HostileFiles
{
    private const string Head = "service: web\nimage: 127.0.0.1:5000/shop\nenv:\n  DEEP: ";

    /// <summary>100 KB: 50,000 <c>[</c> (and their <c>]</c>) under <c>env:</c>.</summary>
    public static string DeepLists() => Head + new string('[', 50_000) + new string(']', 50_000) + "\n";

    /// <summary>20,000 <c>{a:</c> under <c>env:</c>.</summary>
    public static string DeepMappings() => Head + string.Concat(Enumerable.Repeat("{a: ", 20_000)) + "x" + new string('}', 20_000) + "\n";

    /// <summary>A valid service file of 29 MB (under the listener's own 30 MB limit): one environment value of that size.</summary>
    public static string Huge() => Head + new string('x', 29_000_000) + "\n";

    /// <summary>A valid service file with <paramref name="count"/> environment variables.</summary>
    public static string ManyEnv(int count)
    {
        var text = new StringBuilder("service: web\nimage: 127.0.0.1:5000/shop\nenv:\n");
        for (int i = 0; i < count; i++) text.Append("  V").Append(i).Append(": x\n");
        return text.ToString();
    }

    /// <summary>A valid service file whose env value nests <paramref name="depth"/> lists below the top-level mapping and env.</summary>
    public static string Nested(int depth) => Head + new string('[', depth) + new string(']', depth) + "\n";
}
