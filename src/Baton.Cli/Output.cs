namespace Baton.Cli;

/// <summary>Human output: results on stdout, errors on stderr as one sentence.</summary>
internal static class Output
{
    public static int Fail(int exitCode, string message)
    {
        Console.Error.WriteLine($"error: {message}");
        return exitCode;
    }

    public static void Line(string text = "") => Console.Out.WriteLine(text);

    public static void Warn(string message) => Console.Error.WriteLine($"warning: {message}");
}
