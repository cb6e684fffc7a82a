// The two members of the functional tests' Cli.cs that the shared ServerProcess and SampleImages
// need; the rest of that file drives the CLI against an in-process router these tests do not use.
namespace Baton.FunctionalTests.Infrastructure;

public sealed record CliResult(int ExitCode, string Stdout, string Stderr)
{
    public override string ToString() => $"exit {ExitCode}\nstdout: {Stdout}\nstderr: {Stderr}";
}

public static class BatonCli
{
    public static string Dotnet =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet";
}
